"""The web UI in a real browser (headless Chromium) against the real gateway and services.

A school's graduation manager imports the registry, course plan and grades through the pages,
creates a review, watches verification reach 100 %, approves each major's qualification table and
submits; the county bureau's reviewer finds it waiting, cannot approve it before the majors, and
returns it with a reason that shows in the history. Also: a bad import row shows as a table row,
pages need a sign-in, and the public certificate check answers 查询不到 for a made-up number.
Screenshots of the key steps go to var/screenshots/.
"""
import io
import json
import re
import zipfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.browser.web import WAIT
from tests.support.courses import grade_rows, plan_rows
from tests.support.gateway import ADMIN, PASSWORD, login
from tests.support.orgs import county_with_school
from tests.support.people import graduate_row, student_row
from tests.support.photos import photo
from tests.support.print_sites import AgentProcess, printed, ready_queue, register
from tests.support.season import approve_all_majors, numbered_certificates, verified_review
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

COUNTY = ("610599", "浏览器测试区教育局")
SCHOOL = ("SB1", "浏览器测试职业中专")
MANAGER = "sb1_manager"
REVIEWER = "sb1_county_reviewer"  # 浏览器测试区教育局, the first level of the school's chain
CHAIN = [REVIEWER, "weinan_reviewer", "province_reviewer"]
STAMPER = "weinan_reviewer"  # 渭南市教育局 holds stamping unit 05
MAJORS = [("710204", "计算机应用"), ("730301", "会计事务")]
YEAR = 2060


@pytest.fixture(scope="module")
def school(app, province, stack):
    """A county bureau and a school of their own under 渭南市教育局 (stamping unit 05), with a reviewer and a
    graduation manager, so that no other test's data or org lists meet ours."""
    county_with_school(app.test_client(), province, COUNTY, SCHOOL, [
        (MANAGER, "王老师", SCHOOL[0], "school_graduation_manager"),
        (REVIEWER, "李审核", COUNTY[0], "bureau_reviewer")])
    return SCHOOL[0]


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def students_of_season() -> list[dict]:
    """Six graduating students in two majors, and a seventh (row 8 of the list) without any grades."""
    students = []
    for n in range(5000, 5007):
        code, name = MAJORS[n % 2]
        students.append(student_row(n, 专业代码=code, 专业名称=name))
    return students


def fill_new_review(web, tmp_path, students: list[dict]) -> None:
    """The 创建毕业审核 form: this test's year, 秋季, and the students' graduate list."""
    year = web.find("input[name=year]")
    year.clear()
    year.send_keys(str(YEAR))
    Select(web.find("select[name=season]")).select_by_visible_text("秋季")
    web.find("input[type=file]").send_keys(
        write(tmp_path, "graduates.xlsx", xlsx([graduate_row(s) for s in students])))


def test_a_season_from_import_to_return(web, school, tmp_path):
    students = students_of_season()
    graded, ungraded = students[:6], students[6]

    # The school's graduation manager imports registry, course plan and grades through the page.
    web.login(MANAGER)
    web.wait_text("#all-reviews", "暂无毕业审核")
    web.shot("01-school-home")
    web.click("nav a[href='/school/data']")
    web.wait(ec.presence_of_element_located((By.ID, "form-students")))
    assert [a.text for a in web.finds(".downloads a")] == ["学籍导入模板", "课程设置导入模板", "成绩导入模板",
                                                          "毕业生名单导入模板"]
    web.upload("#form-students", write(tmp_path, "students.xlsx", xlsx(students)))
    web.wait_text("#form-students .result", "导入成功")
    assert "新增 7 人" in web.text("#form-students .result")
    plans = [row for code, _ in MAJORS for row in plan_rows(major=code)]
    web.upload("#form-course-plans", write(tmp_path, "plans.xlsx", xlsx(plans)))
    web.wait_text("#form-course-plans .result", "导入成功")
    grades = [row for s in graded for row in grade_rows(s)]
    web.upload("#form-grades", write(tmp_path, "grades.xlsx", xlsx(grades)))
    web.wait_text("#form-grades .result", "导入成功")
    assert f"共 {len(grades)} 条成绩" in web.text("#form-grades .result")
    web.shot("02-school-data-imported")

    # The graduate list creates the review; verification runs to 100 %.
    web.click("nav a[href='/reviews/new']")
    fill_new_review(web, tmp_path, students)
    web.shot("03-new-review")
    web.click("#review-form button[type=submit]")
    web.wait(ec.url_matches(r"/reviews/[0-9a-f-]{36}$"), message="review page")
    review_url = web.driver.current_url
    web.wait_text("#progress-text", "100%", message="verification done")
    web.wait(lambda d: len(web.finds("#majors table tbody tr")) == 2, message="two majors")
    assert "浏览器测试职业中专" in web.text("#review-title") and f"{YEAR}年秋季" in web.text("#review-title")
    assert web.text("#review-status") == "学校编辑中"
    assert "合格 6 人，不合格 1 人" in web.text("#progress-text")
    unqualified = web.finds("#unqualified tbody tr")
    assert len(unqualified) == 1
    cells = unqualified[0].find_elements(By.TAG_NAME, "td")
    assert cells[0].text == "8" and cells[1].text == ungraded["姓名"]
    number = ungraded["身份证号"]
    assert cells[2].text == f"{number[:6]}********{number[-4:]} 显示"  # masked in the list, for everyone
    cells[2].find_element(By.CSS_SELECTOR, "button.reveal").click()  # the whole number on a click (audited)
    web.wait(lambda d: web.finds("#unqualified tbody td:nth-child(3)")[0].text == number, message="revealed")
    assert "无成绩" in cells[3].text
    web.wait(lambda d: "计算机应用" in web.text("#summary"), message="summary")
    assert [m.text for m in web.finds("#majors tbody tr td:nth-child(4)")] == ["待学校确认", "待学校确认"]
    web.shot("04-review-verified")

    # The unqualified student's detail grades: every planned course-term, missing ones in red.
    web.click("#unqualified tbody a")
    web.wait(ec.presence_of_element_located((By.CSS_SELECTOR, "#grades table")), message="detail grades")
    assert ungraded["姓名"] in web.text("#graduate-info") and "不合格" in web.text("#graduate-info")
    rows = web.finds("#grades tbody tr")
    assert rows and all("bad" in r.get_attribute("class") for r in rows)
    assert "缺少成绩" in rows[0].text
    web.shot("05-graduate-grades")

    # A major's qualification table, approved there; the other from the review's majors table.
    web.go(review_url.replace(web.base, ""))
    web.wait_text("#progress-text", "100%")
    first_code = web.finds("#majors tbody tr td")[0].text
    web.click("#majors tbody tr:first-child a.button")
    web.wait(ec.presence_of_element_located((By.CSS_SELECTOR, "#major-table table")), message="major table")
    headers = [th.text for th in web.finds("#major-table thead th")]
    assert headers[:4] == ["序号", "姓名", "性别", "身份证号"]
    assert headers[-3:] == ["毕业成绩总评", "操行总评", "实习成绩"]
    assert "公共基础课" in headers and "专业核心课" in headers
    assert len(web.finds("#major-table tbody tr")) == 3
    assert "毕业生资格审核表" in web.text("#major-title")
    web.click("#major-approve")
    web.confirm("共 3 人")
    web.wait_text("#major-state", "学校已确认")
    assert "王老师" in web.text("#approvals")
    web.shot("06-qualification-table")
    web.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not web.find("#print-button").is_displayed() and not web.find("nav").is_displayed()
    web.shot("07-qualification-table-print")
    web.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    web.go(review_url.replace(web.base, ""))
    web.wait(lambda d: len(web.finds("#majors tbody button[data-major]")) == 1, message="one major left")
    assert web.find("#majors tbody button[data-major]").get_attribute("data-major") != first_code
    web.click("#majors tbody button[data-major]")
    web.confirm("确认资格审核表")
    web.wait(lambda d: [m.text for m in web.finds("#majors tbody tr td:nth-child(4)")] == ["学校已确认"] * 2,
             message="both majors confirmed")
    web.click("#submit-button")
    web.confirm("6 人进入验印，1 人不合格，提交给浏览器测试区教育局")
    web.wait_text("#review-status", "待县区审核", message="submitted")
    assert "已提交" in web.text("#notice")
    assert not web.finds("#submit-button")
    web.shot("08-submitted")
    web.logout()

    # The county bureau's reviewer: waiting list, an approval refused (409) shown, a return with a reason.
    web.login(REVIEWER)
    web.wait(lambda d: "浏览器测试职业中专" in web.text("#waiting-reviews"), message="waiting list")
    web.shot("09-reviewer-home")
    web.click("#waiting-reviews a.button")
    web.wait_text("#progress-text", "100%")
    web.wait(ec.element_to_be_clickable((By.ID, "return-button")), message="reviewer's buttons")
    assert cells_text(web, "#unqualified tbody td:nth-child(3)")[0].count("*") == 8  # masked for reviewers
    assert not web.finds("#approve-button")  # not offered until every major's table is approved: says why
    assert "尚未审核通过" in web.text("#actions [data-blocked=approve]")
    assert len(web.finds("#majors tbody button[data-major]")) == 2
    web.shot("10-reviewer-approve-blocked")
    web.click("#return-button")
    web.click("#dialog-confirm")  # no reason yet: refused in the page
    web.wait_text("dialog.ask", "请填写退回原因")
    reason = "会计事务专业学生5001的照片不合格，请重新上传后再提交"
    web.find("#dialog-text").send_keys(reason)
    web.click("#dialog-confirm")
    web.wait_text("#review-status", "已退回修改", message="returned")
    history = web.text("#history")
    assert reason in history and "退回修改" in history and "待县区审核" in history
    assert "李审核" in history and COUNTY[1] in history
    assert not web.finds("#approve-button")
    web.shot("11-returned-with-reason")
    web.logout()

    # Back at the school the review waits again, with the reason in its history.
    web.login(MANAGER)
    web.wait(lambda d: "已退回修改" in web.text("#all-reviews"), message="school's list")
    web.go(review_url.replace(web.base, ""))
    web.wait_text("#history", reason)
    assert not web.finds("#submit-button")  # a new round: the majors' tables are to be approved again first
    assert "尚未确认" in web.text("#actions [data-blocked=submit]")

    # The same list again: refused without 允许重建, accepted with it (and verified again).
    web.go("/reviews/new")
    fill_new_review(web, tmp_path, students)
    web.click("#review-form button[type=submit]")
    web.wait_text("#review-form .result", "允许重建", message="409 explained")
    web.shot("12a-rebuild-needed")
    web.find("input[name=rebuild]").click()
    web.click("#review-form button[type=submit]")
    web.wait(ec.url_to_be(review_url), message="the same review, rebuilt")
    web.wait_text("#progress-text", "100%", message="verified again")
    web.wait_text("#history", "重新导入名单", message="rebuild in the history")


def cells_text(web, css: str) -> list[str]:
    return [c.text for c in web.finds(css)]


def test_a_bad_row_shows_in_the_error_table_where_the_eye_is(web, school, tmp_path):
    rows = [student_row(n) for n in range(5100, 5104)]
    rows[1]["身份证号"] = rows[1]["身份证号"][:17] + ("0" if rows[1]["身份证号"][17] != "0" else "1")
    web.driver.set_window_size(1366, 768)
    try:
        web.login(MANAGER)
        web.go("/school/data")
        web.find("#form-students input[type=file]").send_keys(write(tmp_path, "bad.xlsx", xlsx(rows)))
        # the clerk has scrolled down to the form: the outcome panel above it is out of sight when clicked
        web.driver.execute_script("document.querySelector('#form-students').scrollIntoView({block: 'start'});"
                                  "window.scrollBy(0, 200);")
        web.find("#form-students button[type=submit]").click()
        web.wait(ec.presence_of_element_located((By.CSS_SELECTOR, "#import-outcome table.errors")), message="errors")
        web.wait(lambda d: in_view(web, "#import-outcome"), message="the outcome scrolled into view")
        assert "学籍导入未成功" in web.text("#import-outcome-title")
        assert "未导入：有 1 处问题" in web.text("#form-students .result")
        assert cells_text(web, "#import-outcome table.errors th") == ["行", "列", "问题"]
        errors = [[c.text for c in tr.find_elements(By.TAG_NAME, "td")]
                  for tr in web.finds("#import-outcome table.errors tbody tr")]
        assert len(errors) == 1 and errors[0][0] == "3" and errors[0][1] == "身份证号" and "校验" in errors[0][2]
        assert web.text("#import-outcome").count("整个文件未导入") == 1  # the whole-file message once
        assert web.find("#errors-download").get_attribute("download") == "导入问题清单.csv"
        annotated = web.find("#annotated-download")
        assert annotated.get_attribute("download") == "bad-错误说明.xlsx"
        assert "错误说明" in web.text("#annotated-hint")
        fetched = web.driver.execute_async_script(
            "const done = arguments[1]; fetch(arguments[0]).then(async (r) => done([r.status, "
            "r.headers.get('content-type'), (await r.arrayBuffer()).byteLength]));", annotated.get_attribute("href"))
        assert fetched[0] == 200 and "spreadsheetml" in fetched[1] and fetched[2] > 1000
        web.shot("12-import-error-table")
    finally:
        web.driver.set_window_size(1400, 1000)


def in_view(web, css: str) -> bool:
    """The element's top is inside the window."""
    return web.driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.top >= -1 && r.top < window.innerHeight;", css)  # scrolled to its top: -0.5 px at times


def test_photos_show_the_accepted_count_and_each_rejected_file(web, app, school, tmp_path):
    students = [student_row(n) for n in (5300, 5301)]
    client = app.test_client()
    r = upload(client, f"/api/v1/schools/{school}/students", login(client, MANAGER), xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{students[0]['身份证号']}.jpg", photo(1))
        z.writestr(f"{students[1]['身份证号']}.jpg", photo(2, size=(300, 400)))
        z.writestr("说明.jpg", b"not a photo")
    web.login(MANAGER)
    web.go("/school/data")
    web.upload("#form-photos", write(tmp_path, "photos.zip", archive.getvalue()))
    web.wait_text("#form-photos .result", "已接收 1 张照片")
    assert cells_text(web, "#import-outcome table.errors th") == ["文件", "问题"]
    files = cells_text(web, "#import-outcome table.errors tbody td:first-child")
    assert files == [f"{students[1]['身份证号']}.jpg", "说明.jpg"]
    web.shot("17-photos")


def test_pages_need_a_sign_in_and_come_back_after(web, school):
    web.go("/reviews/new")
    web.wait(ec.url_contains("/login?next="), message="sent to sign-in")
    web.find("input[name=username]").send_keys(MANAGER)
    web.find("input[name=password]").send_keys(PASSWORD)
    web.find("form button[type=submit]").click()
    web.wait(ec.url_to_be(web.base + "/reviews/new"), message="back where we were")
    assert web.find("select[name=kind]").get_attribute("value") == "正常验印"


def test_the_public_check_finds_no_made_up_number(web, app, school):
    web.go("/verify")
    assert not web.finds("nav")  # nobody signed in
    web.find("input[name=number]").send_keys("20600599999")
    web.find("input[name=name]").send_keys("张三")
    web.click("#verify-form button[type=submit]")
    web.wait_text("#verify-result", "查询不到")
    web.shot("13-verify-not-found")
    # The same answer as the API gives, and nothing more.
    assert app.test_client().get("/api/v1/verify/20600599999?name=张三").get_json() == {"valid": False}


def test_a_page_shows_api_errors(web, school):
    """An unknown review: the page says so in Chinese instead of staying blank."""
    web.login(MANAGER)
    web.go("/reviews/00000000-0000-0000-0000-000000000000")
    web.wait(ec.visibility_of_element_located((By.ID, "alert")), message="404 shown")
    assert "找不到" in web.text("#alert")


def test_after_the_province_numbers_certificates_are_listed_printed_stamped_and_verifiable(web, app, school):
    """The chain's approvals through the API; then the pages: certificates, printed, stamped, deadline, check."""
    client = app.test_client()
    manager = login(client, MANAGER)
    review_id, students = verified_review(client, manager, school, 5200, 4, year=YEAR + 1)
    approve_all_majors(client, manager, review_id)
    assert client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager).status_code == 200
    for reviewer in CHAIN:
        headers = login(client, reviewer)
        approve_all_majors(client, headers, review_id)
        r = client.post(f"/api/v1/reviews/{review_id}/approve", headers=headers)
        assert r.status_code == 200, r.get_json()
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          timeout=WAIT, what="numbers issued")

    web.login(MANAGER)
    web.go(f"/reviews/{review_id}")
    web.wait_text("#review-status", "已发证书编号")
    web.click("#certificates-link")
    web.wait(lambda d: len(web.finds("#certificate-list tbody tr")) == 4, message="four certificates")
    first = [c.text for c in web.finds("#certificate-list tbody tr:first-child td")]
    assert first[0] == "1" and first[1] == f"{YEAR + 1}0500001" and first[2] == students[0]["姓名"]
    assert first[5] == "有效"
    web.shot("14-certificates")

    web.go(f"/reviews/{review_id}")
    web.click("#mark-printed-button")
    web.confirm("已全部打印完成")
    web.wait_text("#review-status", "已打印")
    web.logout()
    web.login(STAMPER)
    web.go(f"/reviews/{review_id}")
    web.click("#stamp-button")
    web.confirm("加盖验印章")
    web.wait_text("#review-status", "已验印")
    web.logout()

    web.login(MANAGER)
    web.wait(lambda d: "浏览器测试职业中专" in web.text("#deadlines"), message="deadline listed")
    row = web.find("#deadlines tbody tr")
    assert row.get_attribute("class").startswith("deadline-") and f"{YEAR + 1}年春季正常验印" in row.text
    web.shot("15-school-home-deadline")
    row.find_element(By.CSS_SELECTOR, "a").click()  # the deadline leads to the review, where it is met
    web.wait(ec.url_contains(f"/reviews/{review_id}"), message="the review opened from its deadline")
    web.click("#mark-graduated-button")
    web.confirm("标记为毕业")
    web.wait_text("#review-status", "已发证")
    web.go("/")
    web.wait(lambda d: not web.find("#deadlines-card").is_displayed(), message="the deadline met and gone")

    web.go("/verify")
    web.find("input[name=number]").send_keys(first[1])
    web.find("input[name=name]").send_keys(first[2])
    web.click("#verify-form button[type=submit]")
    web.wait_text("#verify-result", "有效")
    result = web.text("#verify-result")
    assert "浏览器测试职业中专" in result and first[2] in result and students[0]["身份证号"] not in result
    web.shot("16-verify-valid")


def test_the_school_calibrates_prints_reprints_and_downloads_forms_at_its_site(web, app, province, school,
                                                                              tmp_path):
    """The school's print site as a real agent on a cups-pdf queue; the clerk's whole print flow in the page."""
    client = app.test_client()
    manager = login(client, MANAGER)
    review_id, _ = verified_review(client, manager, school, 5400, 4, year=YEAR + 22)
    certs = numbered_certificates(client, manager, review_id, [login(client, r) for r in CHAIN])
    queue = ready_queue()
    site = register(client, province, school, "浏览器测试职业中专教务处")
    agent = AgentProcess(site["credentials"], web.base, str(tmp_path / "agent"), "browser").start()
    try:
        web.login(MANAGER)
        web.go(f"/reviews/{review_id}")
        web.click("#print-link")
        ours = json.dumps([site["site_id"], queue], separators=(",", ":"))
        web.wait(lambda d: any(o.get_attribute("value") == ours and "就绪" in o.text
                               for o in web.finds("#printer-select option")),
                 message="the site's printer offered, ready")
        Select(web.find("#printer-select")).select_by_value(ours)
        web.wait_text("#printer-state", "打印点在线")

        # calibrate: nudge the offset, the preview follows; save the profile under the printer's name
        def preview_drawn(d):
            return d.execute_script("const i = document.querySelector('#calibration-preview');"
                                    "return i.complete && i.naturalWidth > 0 ? i.src : null;")
        first = web.wait(preview_drawn, message="the preview drawn")
        web.find("#offset_x_mm").clear()
        web.find("#offset_x_mm").send_keys("3")
        web.wait(lambda d: (src := preview_drawn(d)) and src != first and "offset_x_mm=3" in src,
                 message="the preview redrawn with the new offset")
        web.shot("17-print-calibrate")
        web.find("#profile-name").clear()
        web.find("#profile-name").send_keys(queue)
        web.click("#save-profile-button")
        web.wait_text("#notice", "已保存打印方案")
        saved = client.get(f"/api/v1/schools/{school}/print-profiles", headers=manager).get_json()
        assert {"name": queue, "offset_x_mm": 3.0} .items() <= next(p for p in saved if p["name"] == queue).items()

        # one test certificate, then the rest of the batch, each followed live
        web.click("#test-print-button")
        web.wait_text("#notice", "测试证书")
        web.wait(lambda d: "1 / 1" in web.text("#print-jobs") and "已打印" in web.text("#print-jobs tbody"),
                 message="the test print printed")
        Select(web.find("#print-major")).select_by_visible_text("会计事务（2张）")  # a major fills in its seqs
        assert web.find("#print-seqs").get_attribute("value") == "2,4"
        web.find("#print-seqs").clear()
        web.find("#print-seqs").send_keys("2-4")
        web.click("#print-batch-button")
        web.driver.switch_to.alert.accept()
        web.wait(lambda d: "3 / 3" in web.text("#print-jobs tbody"), message="the batch of three printed")

        # a spoiled sheet reprinted with its reason; its number stays
        web.find("#reprint-seq").send_keys("3")
        web.find("#reprint-reason").send_keys("卡纸损坏")
        web.click("#reprint-button")

        def job_states():  # read in one go: the list is redrawn every second
            return web.driver.execute_script(
                "return [...document.querySelectorAll('#print-jobs tbody tr')].map((r) => r.cells[3].textContent);")
        web.wait(lambda d: "重印：卡纸损坏" in web.text("#print-jobs") and job_states() == ["已打印"] * 3,
                 message="the reprint printed")
        web.shot("18-print-jobs")
        jobs = client.get(f"/api/v1/reviews/{review_id}/print-jobs", headers=manager).get_json()
        numbers = [c["number"] for c in certs]
        assert [printed(j["job_id"]) for j in reversed(jobs)] == [numbers[:1], numbers[1:4], [numbers[2]]]
        assert [c["number"] for c in client.get(f"/api/v1/reviews/{review_id}/certificates",
                                                headers=manager).get_json()] == numbers

        # every form downloads as PDF and as Excel from the page's own links
        links = [a.get_attribute("href") for a in web.finds("#forms-list a")]
        assert len(links) == 2 * (3 + 2)
        answers = web.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            Promise.all(arguments[0].map((u) => fetch(u).then((r) => r.status + " " + r.headers.get("content-type"))))
              .then(done);""", links)
        assert all(a.startswith("200 application/") for a in answers), answers
    finally:
        agent.stop()


def test_the_province_registers_a_print_site_sees_its_settings_once_and_revokes_it(web, app, province):
    web.go("/login")
    web.find("input[name=username]").send_keys(ADMIN[0])
    web.find("input[name=password]").send_keys(ADMIN[1])
    web.find("form button[type=submit]").click()
    web.wait(ec.url_to_be(web.base + "/"), message="the province admin signed in")
    web.click("nav a[href='/admin/print-sites']")
    web.wait_text("h1", "打印点管理")
    web.find("#register-site-form input[name=org_code]").send_keys("S4")
    web.find("#register-site-form input[name=name]").send_keys("华州职业中专教务处")
    web.click("#register-site-form button[type=submit]")
    web.wait_text("#notice", "已登记打印点")
    settings = web.text("#site-env")
    site_id = re.search(r"AGENT_SITE_ID=(\S+)", settings).group(1)
    secret = re.search(r"AGENT_AMQP_URI=amqp://[^:]+:([^@]+)@", settings).group(1)
    assert f"AGENT_GATEWAY_URL={web.base}" in settings and "AGENT_AMQP_URI=amqp://print-site-" in settings
    web.wait_text("#site-list", "华州职业中专教务处")
    assert "离线" in web.text("#site-list") and "从未联系" in web.text("#site-list")
    web.shot("19-print-sites")
    web.go("/admin/print-sites")  # settings are shown once: not on the page again
    web.wait_text("#site-list", "华州职业中专教务处")
    assert not web.find("#site-credentials").is_displayed() and secret not in web.driver.page_source
    web.click(f"#site-list button[data-site='{site_id}']")
    web.driver.switch_to.alert.accept()
    web.wait_text("#notice", "已撤销打印点")
    web.wait(lambda d: "华州职业中专教务处" not in web.text("#site-list"), message="the revoked site gone")
    client = app.test_client()
    assert site_id not in [s["site_id"] for s in client.get("/api/v1/print-sites", headers=province).get_json()]
