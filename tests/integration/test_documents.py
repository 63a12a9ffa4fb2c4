"""Documents through the real API and services: certificates as PDF once numbers are issued, the
stamping office's forms as PDF and XLSX, print profiles, and print jobs through a real CUPS queue
(cups-pdf: a printer that writes PDF files). The CUPS scheduler and the queue are set up here."""
import io
import os
import re
import shutil
import subprocess
import time
import uuid

import openpyxl
import pytest
import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from PIL import Image

from tests.support.gateway import login
from tests.support.photos import photo as make_photo
from tests.support.season import approve_all_majors, verified_review
from tests.support.uploads import upload
from tests.support.wait import until

QUEUE = "biye-test-pdf"
YEAR = 2070
PT_PER_MM = 72 / 25.4


ENV = dict(os.environ, LANG="C", LC_ALL="C", PATH=f"{os.environ.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin")


def sh(*args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, check=check, env=ENV)


@pytest.fixture(scope="module")
def cups_queue() -> str:
    """A running cupsd with an enabled cups-pdf queue named QUEUE (needs root, as in CI)."""
    if not shutil.which("lp") or not shutil.which("cupsd", path=ENV["PATH"]):
        pytest.fail("CUPS is not installed: apt-get install cups cups-client cups-bsd printer-driver-cups-pdf")
    if "scheduler is running" not in sh("lpstat", "-r").stdout:
        sh("/usr/sbin/cupsd", check=True)
        until(lambda: "scheduler is running" in sh("lpstat", "-r").stdout, timeout=30, what="cupsd running")
    if sh("lpstat", "-p", QUEUE).returncode != 0:
        ppds = [line.split()[0] for line in sh("lpinfo", "-m").stdout.splitlines() if "CUPS-PDF_opt.ppd" in line]
        if not ppds:
            pytest.fail("no cups-pdf driver: apt-get install printer-driver-cups-pdf")
        done = sh("lpadmin", "-p", QUEUE, "-E", "-v", "cups-pdf:/", "-m", ppds[0])
        assert done.returncode == 0, done.stderr
    sh("cupsenable", QUEUE)
    sh("cupsaccept", QUEUE)
    return QUEUE


def photo(seed: int) -> bytes:
    """Mostly green, so the rendered page shows where the photo went."""
    return make_photo(seed, (40, 170, 60))


@pytest.fixture(scope="module")
def season(app, province, stack):
    """A review of S3 (directly under the province) approved and numbered, the first graduate with a photo."""
    client = app.test_client()
    manager = login(client, "s3_manager")
    review_id, students = verified_review(client, manager, "S3", 6000, 5, year=YEAR)
    r = upload(client, "/api/v1/schools/S3/photos", manager, photo(1), f"{students[0]['身份证号']}.jpg")
    assert r.get_json()["accepted"] == 1, r.get_json()
    approve_all_majors(client, manager, review_id)
    assert client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager).status_code == 200
    reviewer = login(client, "province_reviewer")
    approve_all_majors(client, reviewer, review_id)
    assert client.post(f"/api/v1/reviews/{review_id}/approve", headers=reviewer).status_code == 200
    certs = until(lambda: client.get(f"/api/v1/reviews/{review_id}/certificates", headers=manager).get_json(),
                  what="numbers issued")
    return {"review_id": review_id, "students": students, "certs": certs, "manager": manager, "reviewer": reviewer}


def save(data: bytes, tmp_path, name: str):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def pages(path: str) -> int:
    return int(re.search(r"Pages:\s+(\d+)", sh("pdfinfo", path, check=True).stdout).group(1))


def text_of(path: str) -> str:
    return sh("pdftotext", "-layout", path, "-", check=True).stdout


def words(path: str) -> dict[str, tuple[float, float]]:
    html = sh("pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-", check=True).stdout
    return {m.group(3): (float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', html)}


def placed_words(path: str) -> list[tuple[str, float, float]]:
    """(word, xMin mm, yMax mm) on page 1: yMax is close to the baseline the template gives."""
    html = sh("pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-", check=True).stdout
    return [(m.group(4), float(m.group(1)) / PT_PER_MM, float(m.group(3)) / PT_PER_MM) for m in re.finditer(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)</word>', html)]


def near(placed, word: str, x_mm: float, y_mm: float) -> bool:
    return any(w == word and abs(x - x_mm) < 1 and abs(y - y_mm) < 3 for w, x, y in placed)


def test_certificates_and_name_lists_wait_for_numbers(app, client, province, stack):
    manager = login(client, "s3_manager")
    review_id, _ = verified_review(client, manager, "S3", 6100, 2, year=YEAR, kind="补验印")
    r = client.get(f"/api/v1/reviews/{review_id}/certificates.pdf", headers=manager)
    assert r.status_code == 409 and "编号" in r.get_json()["error"]["message"]
    for form in ("register", "namelist"):
        assert client.get(f"/api/v1/reviews/{review_id}/forms/{form}.pdf", headers=manager).status_code == 409
    r = client.post(f"/api/v1/reviews/{review_id}/print-jobs", headers=manager,
                    json={"printer": "anything", "what": "certificates"})
    assert r.status_code == 409
    # the review's own tables are there from the start, for the school and its reviewers to print
    r = client.get(f"/api/v1/reviews/{review_id}/forms/summary.pdf", headers=manager)
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    r = client.get(f"/api/v1/reviews/{review_id}/forms/qualification-710204.xlsx", headers=manager)
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert "毕业生资格审核表" in sheet["A1"].value


def test_certificates_pdf_one_page_each(client, season, tmp_path):
    review_id, certs, students = season["review_id"], season["certs"], season["students"]
    r = client.get(f"/api/v1/reviews/{review_id}/certificates.pdf", headers=season["manager"])
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/pdf" and "attachment" in r.headers["Content-Disposition"]
    path = save(r.data, tmp_path, "certificates.pdf")
    assert pages(path) == len(certs) == 5
    fonts = sh("pdffonts", path, check=True).stdout
    assert "WenQuanYiZenHei" in fonts and " no " not in fonts.split("\n", 2)[2]
    text = text_of(path)
    for cert, student in zip(certs, students, strict=True):
        assert cert["number"] in text and student["姓名"] in text
    assert "陕西省直属职业学院附属中专" in text and "准予毕业" not in text
    placed = placed_words(path)
    assert near(placed, "2023", 203, 74)  # entry year (registry: 2023-09) where the template puts it
    assert near(placed, "9", 222.5, 74)
    assert near(placed, str(YEAR), 142, 88)  # graduation year: the review's
    assert near(placed, "三", 154, 102)  # 学制

    # the first graduate's photo (mostly green) sits in the photo box; the second has an empty frame
    png = sh("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "2", path, str(tmp_path / "page"), check=True)
    assert png.returncode == 0
    first, second = Image.open(tmp_path / "page-1.png").convert("RGB"), Image.open(tmp_path / "page-2.png")
    cx, cy = int(65 * 50 / 25.4), int(54.5 * 50 / 25.4)
    patch = [first.getpixel((x, y)) for x in range(cx - 5, cx + 5) for y in range(cy - 5, cy + 5)]
    red, green, blue = (sum(p[i] for p in patch) / len(patch) for i in range(3))
    assert green > 120 and red < 110 and blue < 110
    assert second.convert("RGB").getpixel((cx, cy)) == (255, 255, 255)


def test_a_single_test_print_a_preview_and_a_profile(client, season, tmp_path):
    review_id, certs, manager = season["review_id"], season["certs"], season["manager"]
    url = f"/api/v1/reviews/{review_id}/certificates.pdf"
    r = client.get(f"{url}?only_seq={certs[1]['seq']}", headers=manager)
    one = save(r.data, tmp_path, "one.pdf")
    assert pages(one) == 1 and certs[1]["number"] in text_of(one) and certs[0]["number"] not in text_of(one)
    r = client.get(f"{url}?only_seq=1&preview=true", headers=manager)
    assert "准予毕业" in text_of(save(r.data, tmp_path, "preview.pdf"))
    assert client.get(f"{url}?only_seq=abc", headers=manager).status_code == 400
    assert client.get(f"{url}?only_seq=999", headers=manager).status_code == 409
    assert client.get(f"{url}?profile=没有这个方案", headers=manager).status_code == 404

    profiles = client.get("/api/v1/schools/S3/print-profiles", headers=manager).get_json()
    assert [p["name"] for p in profiles] in (["默认"], [QUEUE])
    r = client.post("/api/v1/schools/S3/print-profiles", headers=manager, json={"name": QUEUE, "scale": 2})
    assert r.status_code == 400 and "缩放比例" in r.get_json()["error"]["message"]
    r = client.post("/api/v1/schools/S3/print-profiles", headers=manager,
                    json={"name": QUEUE, "offset_x_mm": 10, "offset_y_mm": -4, "skew_deg": 0, "scale": 1})
    assert r.status_code == 200 and r.get_json()["updated_by"] == "s3_manager"
    assert QUEUE in [p["name"] for p in client.get("/api/v1/schools/S3/print-profiles", headers=manager).get_json()]
    assert client.get("/api/v1/schools/S3/print-profiles", headers=login(client, "s1_manager")).status_code == 404

    plain = words(save(client.get(f"{url}?only_seq=1", headers=manager).data, tmp_path, "plain.pdf"))
    moved = words(save(client.get(f"{url}?only_seq=1&profile={QUEUE}", headers=manager).data, tmp_path, "m.pdf"))
    number = certs[0]["number"]
    assert moved[number][0] - plain[number][0] == pytest.approx(10 * PT_PER_MM, abs=0.2)
    assert moved[number][1] - plain[number][1] == pytest.approx(-4 * PT_PER_MM, abs=0.2)


EXPECTED_HEADERS = {
    "register": ["专业", "招生计划（人）", "实际录取（人）", "学制", "学历层次", "实际毕业（人）", "验印人数（人）",
                 "备注"],
    "namelist": ["序号", "身份证号", "毕业证书编号", "姓名", "性别", "出生年月日", "政治面貌", "学制", "专业",
                 "毕业成绩总评", "操行总评", "实习成绩"],
    "summary": ["序号", "专业代码", "专业名称", "学制", "学历层次", "名单人数", "合格人数", "不合格人数", "验印人数"],
    "qualification-710204": ["序号", "姓名", "性别", "身份证号", "公共基础课", "专业核心课", "实习", "毕业成绩总评",
                             "操行总评", "实习成绩"],
}
TITLES = {"register": "毕业证书验印登记册", "namelist": "毕业证书验印名单", "summary": "毕业证书验印审核表",
          "qualification-710204": "毕业生资格审核表"}


@pytest.mark.parametrize("form", list(EXPECTED_HEADERS))
def test_forms_as_pdf_and_xlsx(client, season, tmp_path, form):
    review_id, certs, students = season["review_id"], season["certs"], season["students"]
    for who in (season["manager"], season["reviewer"]):  # the school, and the province that reviewed it
        r = client.get(f"/api/v1/reviews/{review_id}/forms/{form}.pdf", headers=who)
        assert r.status_code == 200, r.get_json()
    path = save(r.data, tmp_path, f"{form}.pdf")
    assert pages(path) >= 1
    assert TITLES[form] in "".join(text_of(path).split())
    r = client.get(f"/api/v1/reviews/{review_id}/forms/{form}.xlsx", headers=season["manager"])
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert TITLES[form] in sheet["A1"].value
    assert [c.value for c in sheet[3]] == EXPECTED_HEADERS[form]
    if form == "namelist":
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4, max_row=3 + len(certs))]
        assert [row[1] for row in rows] == [s["身份证号"] for s in students]  # whole, for the stamping office
        assert [row[2] for row in rows] == [c["number"] for c in certs]
        assert [row[3] for row in rows] == [s["姓名"] for s in students]
        assert sheet.oddFooter.left.text == "学校（盖章）："
    if form == "register":
        assert f"{certs[0]['number']} 至 {certs[-1]['number']} 号" in sheet.cell(row=2, column=5).value
        totals = [c.value for c in sheet[6]]
        assert totals[0] == "总计" and totals[5] == totals[6] == len(certs)


def test_forms_refuse_strangers_and_unknown_names(client, season):
    review_id = season["review_id"]
    assert client.get(f"/api/v1/reviews/{review_id}/forms/namelist.pdf",
                      headers=login(client, "s1_manager")).status_code == 404
    manager = season["manager"]
    assert client.get(f"/api/v1/reviews/{review_id}/forms/other.pdf", headers=manager).status_code == 404
    assert client.get(f"/api/v1/reviews/{review_id}/forms/namelist.doc", headers=manager).status_code == 404
    assert client.get(f"/api/v1/reviews/{review_id}/forms/qualification-999999.pdf",
                      headers=manager).status_code == 404


def wait_for_job(client, headers, job_id: str) -> dict:
    def finished():
        job = client.get(f"/api/v1/print-jobs/{job_id}", headers=headers).get_json()
        return job if job["state"] in ("done", "failed") else None
    return until(finished, timeout=120, interval=0.5, what="the print job to finish")


def test_print_jobs_through_cups(client, season, cups_queue):
    review_id, certs, manager = season["review_id"], season["certs"], season["manager"]
    url = f"/api/v1/reviews/{review_id}/print-jobs"
    assert cups_queue in [p["name"] for p in client.get("/api/v1/printers", headers=manager).get_json()]
    r = client.post(url, headers=manager, json={"printer": "no-such-printer", "what": "certificates"})
    assert r.status_code == 404 and "no-such-printer" in r.get_json()["error"]["message"]
    r = client.post(url, headers=manager, json={"printer": cups_queue, "what": "pictures"})
    assert r.status_code == 400

    started = time.monotonic()
    r = client.post("/api/v1/schools/S3/print-profiles", headers=manager, json={"name": cups_queue, "offset_x_mm": 1})
    assert r.status_code == 200
    r = client.post(url, headers=manager, json={"printer": cups_queue, "profile": cups_queue,
                                                "what": "certificates", "only_seq": [certs[0]["seq"]]})
    assert r.status_code == 202, r.get_json()
    job = wait_for_job(client, manager, r.get_json()["job_id"])
    assert job["state"] == "done", job
    assert job["cups_job_id"].startswith(f"{cups_queue}-") and job["pages"] == 1 and job["profile"] == cups_queue
    completed = sh("lpstat", "-W", "completed", "-o", cups_queue).stdout
    assert job["cups_job_id"] in completed

    # the forms, by the province, which sees the review; a stranger does not see the job
    reviewer = season["reviewer"]
    r = client.post(url, headers=reviewer, json={"printer": cups_queue, "what": "forms", "copies": 1})
    assert r.status_code == 202, r.get_json()
    job = wait_for_job(client, reviewer, r.get_json()["job_id"])
    assert job["state"] == "done" and job["forms"] == ["register", "namelist"], job
    assert client.get(f"/api/v1/print-jobs/{job['job_id']}", headers=login(client, "s1_manager")).status_code == 404
    assert client.get("/api/v1/print-jobs/not-a-job", headers=manager).status_code == 404
    # certificates are printed by the school only
    r = client.post(url, headers=reviewer, json={"printer": cups_queue, "what": "certificates"})
    assert r.status_code in (403, 404)
    assert time.monotonic() - started < 240


def test_a_job_found_half_done_is_failed_not_printed_twice(engine, amqp_uri, stack):
    """A redelivered job event finds the job 'rendering' (the process died after starting it): it may or
    may not have reached the printer, so it is failed with a message to check, never sent again."""
    half, finished = str(uuid.uuid4()), str(uuid.uuid4())
    with engine.begin() as conn:
        for job_id, state in ((half, "rendering"), (finished, "done")):
            conn.execute(sa.text(
                "INSERT INTO printing.print_jobs (id, review_id, school_code, printer, what, copies, state, "
                "requested_by) VALUES (:id, :review, 'S3', :printer, 'certificates', 1, :state, 'test')"),
                {"id": job_id, "review": str(uuid.uuid4()), "printer": QUEUE, "state": state})
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    event_ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for job_id, event_id in zip((half, finished), event_ids, strict=True):
        dispatch("printing", "print_job_submitted", {"event_id": event_id, "job_id": job_id})

    def handled():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM printing.processed_events WHERE event_id IN (:a, :b)"),
                                {"a": event_ids[0], "b": event_ids[1]}).scalar_one() == 2
    until(handled, what="both redelivered events handled")
    with engine.connect() as conn:
        states = dict(conn.execute(sa.text("SELECT id::text, state FROM printing.print_jobs WHERE id IN (:a, :b)"),
                                   {"a": half, "b": finished}).all())
    assert states == {half: "failed", finished: "done"}
    with engine.connect() as conn:
        error, cups_id = conn.execute(sa.text("SELECT error, cups_job_id FROM printing.print_jobs WHERE id = :id"),
                                      {"id": half}).one()
    assert "无法确定是否已送到打印机" in error and cups_id is None
