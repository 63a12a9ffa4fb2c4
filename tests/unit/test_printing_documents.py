"""Rendered documents, read back with poppler (pdftotext, pdffonts, pdftoppm) and openpyxl: the CJK
font is embedded, text lands where the profile puts it, the photo and the QR code are drawn, the forms
carry the columns of the bureau's annexes, whole ID numbers, a header and a seal line on every page."""
import io
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from PIL import Image

from services.printing import forms
from services.printing.certificate_pdf import qr_matrix, render_certificates_pdf, verify_url
from services.printing.form_pdf import render_form_pdf
from services.printing.form_xlsx import render_form_xlsx
from services.printing.layout import DEFAULT_PROFILE, PHOTO_BOX, QR_BOX

PT_PER_MM = 72 / 25.4
SCHOOL = "陕西省直属职业学院附属中专"
BASE = "https://biye.example.cn"


def jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (150, 200), color).save(out, "JPEG", quality=90)
    return out.getvalue()


def sample_certificates(n: int = 3):
    certs = [{"number": f"20709000{i:03d}", "id_number": f"6105022007010{i:04d}1", "name": f"学生{i}",
              "issue_date": "2070-07-15", "seq": i} for i in range(1, n + 1)]
    students = {c["id_number"]: {"gender": "女", "birth_date": "2007-01-02", "major_name": "计算机应用",
                                 "schooling_years": 3, "enrolled_month": "2067-09", "graduated_month": "2070-07",
                                 "school_name": SCHOOL} for c in certs}
    return certs, students


def sample_review(kind: str = "正常验印", n: int = 60):
    review = {"id": "r1", "school_code": "S3", "school_name": SCHOOL, "year": 2070, "season": "春季", "kind": kind,
              "chain": [{"code": "61", "name": "陕西省教育厅", "kind": "province"}]}
    approvals = [{"level_code": "S3", "org": SCHOOL, "by": "王老师", "phone": "0913-1234567",
                  "at": "2070-03-01T02:00:00+00:00"},
                 {"level_code": "61", "org": "陕西省教育厅", "by": "李审核", "phone": "029-1234567",
                  "at": "2070-03-05T02:00:00+00:00"}]
    tables, certs = {}, []
    for i in range(n):
        code, name = [("710204", "计算机应用"), ("730301", "会计事务")][i % 2]
        table = tables.setdefault(code, {"major_code": code, "major_name": name, "schooling_years": 3,
                                         "categories": ["实习", "公共基础课", "专业核心课"], "students": [],
                                         "approvals": approvals})
        id_number = f"61050220070101{i:03d}X"
        table["students"].append({
            "seq": len(table["students"]) + 1, "row": i + 2, "name": f"学生{i}", "gender": "男" if i % 2 else "女",
            "id_number": id_number, "birth_date": "2007-01-02", "political_status": "共青团员",
            "scores": {"公共基础课": 88.0, "专业核心课": 90.5, "实习": None}, "overall_grade": "良好",
            "conduct_grade": "优秀", "internship_grade": "良好"})
        certs.append({"number": f"20709{i + 1:06d}", "id_number": id_number, "name": f"学生{i}",
                      "issue_date": "2070-07-01", "seq": i + 1})
    summary = {"majors": [{"code": c, "name": t["major_name"], "years": 3, "level": "中职",
                           "listed": len(t["students"]) + 1, "qualified": len(t["students"])}
                          for c, t in sorted(tables.items())],
               "totals": {"listed": n + 2, "qualified": n}, "operator": {"name": "王老师", "phone": "0913-1234567"},
               "submitted_at": "2070-03-01T02:00:00+00:00", "approvals": approvals[1:]}
    return review, summary, tables, certs


def run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def write(tmp_path):
    def save(data: bytes, name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path
    return save


def pages_of(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", str(path))).group(1))


def words(path: Path, page: int = 1) -> dict[str, tuple[float, float]]:
    """{word: (xMin, yMin)} in points from the page's top-left corner."""
    html = run("pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-")
    return {m.group(3): (float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', html)}


def raster(path: Path, dpi: int, page: int = 1) -> Image.Image:
    png = subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path)],
                         capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(png)).convert("RGB")


def test_one_page_per_certificate_with_the_font_embedded(write):
    certs, students = sample_certificates(3)
    path = write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {}))
    assert pages_of(path) == 3
    fonts = [line.split() for line in run("pdffonts", str(path)).splitlines()[2:]]
    assert fonts and all("WenQuanYiZenHei" in f[0] for f in fonts)
    assert all(f[-5] == "yes" for f in fonts)  # embedded (as a subset)
    text = run("pdftotext", "-f", "2", "-l", "2", str(path), "-")
    for value in ("学生2", "20709000002", "计算机应用", SCHOOL, "2067", "三"):
        assert value in text
    assert "准予毕业" not in text  # the blank form's own words are not printed


def test_a_preview_shows_the_blank_form_behind_the_fields(write):
    certs, students = sample_certificates(1)
    path = write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {}, preview=True))
    text = run("pdftotext", str(path), "-")
    assert "准予毕业" in text and "学生1" in text


def test_offsets_and_scale_move_the_printed_text(write):
    certs, students = sample_certificates(1)
    plain = words(write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {}), "a.pdf"))
    moved = words(write(render_certificates_pdf(certs, students, {**DEFAULT_PROFILE, "offset_x_mm": 10,
                                                                  "offset_y_mm": 5}, {}), "b.pdf"))
    scaled = words(write(render_certificates_pdf(certs, students, {**DEFAULT_PROFILE, "scale": 1.1}, {}), "c.pdf"))
    for word in ("20709000001", SCHOOL, "学生1"):
        (x0, y0), (x1, y1) = plain[word], moved[word]
        assert x1 - x0 == pytest.approx(10 * PT_PER_MM, abs=0.2)
        assert y1 - y0 == pytest.approx(5 * PT_PER_MM, abs=0.2)
        assert scaled[word][0] == pytest.approx(1.1 * x0, abs=0.3)
    # the number's left edge is where the template says, measured from the sheet's left edge
    assert plain["20709000001"][0] == pytest.approx(48 * PT_PER_MM, abs=0.2)


def test_skew_lowers_the_right_of_the_sheet(write):
    certs, students = sample_certificates(1)
    level = raster(write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {}), "a.pdf"), 50)
    tilted = raster(write(render_certificates_pdf(certs, students, {**DEFAULT_PROFILE, "skew_deg": 2}, {}),
                          "b.pdf"), 50)

    def top_of_ink(image, x0_mm, x1_mm):
        px = 50 / 25.4
        gray = image.convert("L")
        for y in range(gray.height):
            if any(gray.getpixel((x, y)) < 100 for x in range(int(x0_mm * px), int(x1_mm * px))):
                return y / px
        return None

    # the school's name at x ≈ 168..240 mm: 2° clockwise about the top-left corner drops it by ≈ 200·sin 2°
    drop = top_of_ink(tilted, 200, 240) - top_of_ink(level, 200, 240)
    assert 5 < drop < 9


def test_the_photo_is_drawn_and_a_missing_one_leaves_a_frame(write):
    certs, students = sample_certificates(2)
    path = write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {certs[0]["id_number"]: jpeg()}))
    x, y, w, h = PHOTO_BOX
    px = 50 / 25.4
    centre = (int((x + w / 2) * px), int((y + h / 2) * px))
    with_photo, without = raster(path, 50, 1), raster(path, 50, 2)
    r, g, b = with_photo.getpixel(centre)
    assert r > 150 and g < 80 and b < 80
    assert without.getpixel(centre) == (255, 255, 255)
    edge = min(sum(without.getpixel((int(x * px) + d, centre[1]))) for d in (-1, 0, 1))
    assert edge < 500  # the frame's line


def test_the_qr_code_modules_match_the_verification_url(write):
    certs, students = sample_certificates(1)
    path = write(render_certificates_pdf(certs, students, DEFAULT_PROFILE, {}, verify_base=BASE))
    dpi = 300
    image = raster(path, dpi).convert("L")
    matrix = qr_matrix(verify_url(BASE, certs[0]["number"]))
    x, y, side = QR_BOX
    module = side / len(matrix)
    px = dpi / 25.4
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            value = image.getpixel((int((x + (c + 0.5) * module) * px), int((y + (r + 0.5) * module) * px)))
            assert (value < 128) == dark, (r, c)


def pdf_pages_text(path: Path) -> list[str]:
    return run("pdftotext", "-layout", str(path), "-").split("\f")[:-1]


@pytest.mark.parametrize("kind, word", [("正常验印", "验印"), ("补验印", "补验印")])
def test_the_register_is_annex_1_or_3(write, kind, word):
    review, summary, tables, certs = sample_review(kind)
    form = forms.build("register", review, summary, tables, certs)
    assert form.title == f"{SCHOOL}2070届春季毕业生毕业证书{word}登记册"
    assert [c.header for c in form.columns] == ["专业", "招生计划（人）", "实际录取（人）", "学制", "学历层次",
                                                "实际毕业（人）", "验印人数（人）", "备注"]
    assert form.rows == [["计算机应用", "", "", "3年", "中职", 30, 30, ""],
                         ["会计事务", "", "", "3年", "中职", 30, 30, ""]]
    assert form.total[5:7] == [60, 60]
    text = "".join(pdf_pages_text(write(render_form_pdf(form))))
    for expected in ("学校负责人", "各县市区教育局", "市教育局职成科", "主管领导", "经办人：王老师",
                     "填表日期：2070年3月1日", "20709000001 至 20709000060 号", "由学校手工填写", f"{word}登记册"):
        assert expected in text


@pytest.mark.parametrize("kind, word", [("正常验印", "验印名单"), ("补验印", "补验印名单")])
def test_the_name_list_repeats_its_header_and_the_seal_line_on_every_page(write, kind, word):
    review, summary, tables, certs = sample_review(kind, n=80)
    form = forms.build("namelist", review, summary, tables, certs)
    assert word in form.title
    path = write(render_form_pdf(form))
    pages = pdf_pages_text(path)
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert "身份证号" in text and "毕业证书编号" in text and "操行总评" in text
        assert "学校（盖章）" in text
        assert f"第{number}页共{len(pages)}页" in "".join(text.split())
    everything = "".join(pages)
    assert all(c["id_number"] in everything and c["number"] in everything for c in certs)  # whole ID numbers


def test_the_name_list_as_xlsx_keeps_numbers_as_text_and_prints_like_the_pdf():
    review, summary, tables, certs = sample_review(n=20)
    book = openpyxl.load_workbook(io.BytesIO(render_form_xlsx(forms.build("namelist", review, summary, tables,
                                                                          certs))))
    sheet = book.active
    assert [c.value for c in sheet[3]] == ["序号", "身份证号", "毕业证书编号", "姓名", "性别", "出生年月日", "政治面貌",
                                           "学制", "专业", "毕业成绩总评", "操行总评", "实习成绩"]
    first = [c.value for c in sheet[4]]
    assert first == [1, certs[0]["id_number"], "20709000001", "学生0", "女", "2007-01-02", "共青团员", "3年",
                     "计算机应用", "良好", "优秀", "良好"]
    assert sheet["B4"].number_format == "@" and sheet["C4"].number_format == "@"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.oddFooter.left.text == "学校（盖章）："
    assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text
    assert sheet["A1"].value == f"{SCHOOL}2070届春季毕业生毕业证书验印名单"


def test_the_summary_and_a_qualification_table(write):
    review, summary, tables, certs = sample_review(n=10)
    form = forms.build("summary", review, summary, tables, certs)
    assert form.rows[0] == [1, "710204", "计算机应用", "3年", "中职", 6, 5, 1, 5]
    assert form.total[5:] == [12, 10, 2, 10]
    text = "".join(pdf_pages_text(write(render_form_pdf(form), "s.pdf")))
    for expected in ("毕业证书验印审核表", "学校经办人：王老师", "联系电话：0913-1234567", "陕西省教育厅",
                     "2070-03-05 10:00"):  # approvals in China's time
        assert expected in text
    qualification = forms.build("qualification-730301", review, summary, tables, certs)
    assert [c.header for c in qualification.columns] == ["序号", "姓名", "性别", "身份证号", "公共基础课", "专业核心课",
                                                         "实习", "毕业成绩总评", "操行总评", "实习成绩"]
    assert qualification.rows[0] == [1, "学生1", "男", certs[1]["id_number"], 88.0, 90.5, "", "良好", "优秀", "良好"]
    assert qualification.footer == ["填表人：王老师", "审核人：李审核"]
    book = openpyxl.load_workbook(io.BytesIO(render_form_xlsx(qualification)))
    assert book.active["E4"].value == 88.0
    with pytest.raises(Exception, match="没有专业代码为999999"):
        forms.build("qualification-999999", review, summary, tables, certs)


def test_form_names():
    assert all(forms.is_form(n) for n in ("register", "namelist", "summary", "qualification-710204"))
    assert not any(forms.is_form(n) for n in ("qualification-", "other", ""))
