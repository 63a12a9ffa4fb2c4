"""The school's and the reviewers' everyday pages as clerks use them, at 1366×768, one test per case the
season trips over: a returned review says so at the top; 重新核验 after a grade import; the re-import
form pre-filled; confirmations with what will happen; a return from a major's table; long tables
with the header in view; the reviewer's queue first; one vocabulary for school and reviewers; a
readable history; the public check ignoring spaces. Screenshots go to var/screenshots/ (3x-*.png)."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests.support.courses import PLAN, plan_rows
from tests.support.gateway import login
from tests.support.orgs import county_with_school
from tests.support.people import student_row
from tests.support.season import MAJORS, approve_all_majors, listed_review
from tests.support.uploads import upload
from tests.support.workbooks import xlsx

COUNTY = ("610598", "日常测试区教育局")
SCHOOL = ("SD1", "日常测试职业中专")
MANAGER = "sd1_manager"
REVIEWER = "sd1_county_reviewer"
FIRST = 6900  # people 6900-6949


@pytest.fixture(scope="module")
def school(app, province, stack):
    county_with_school(app.test_client(), province, COUNTY, SCHOOL, [
        (MANAGER, "陈老师", SCHOOL[0], "school_graduation_manager"),
        (REVIEWER, "吴审核", COUNTY[0], "bureau_reviewer")])
    return SCHOOL[0]


@pytest.fixture
def clerk(web):
    web.driver.set_window_size(1366, 768)
    yield web
    web.driver.set_window_size(1400, 1000)


def season(client, first: int, count: int, year: int, ungraded: tuple[int, ...] = ()) -> tuple[str, list[dict]]:
    """A verified review of `count` students of SD1; those in `ungraded` have no grades yet."""
    manager = login(client, MANAGER)
    students = [student_row(n, 专业代码=MAJORS[n % 2][0], 专业名称=MAJORS[n % 2][1])
                for n in range(first, first + count)]
    plans = [row for code, _ in MAJORS for row in plan_rows(major=code)]
    for kind, rows in (("students", students), ("course-plans", plans)):
        r = upload(client, f"/api/v1/schools/{SCHOOL[0]}/{kind}", manager, xlsx(rows), f"{kind}.xlsx")
        assert r.status_code == 200, r.get_json()
    grade(client, [s for i, s in enumerate(students) if i not in ungraded])
    return listed_review(client, manager, SCHOOL[0], students, year), students


def grade(client, students: list[dict]) -> None:
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "88"}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{SCHOOL[0]}/grades", headers=login(client, MANAGER), json={"grades": records})
    assert r.status_code == 200, r.get_json()


def submitted(client, review_id: str) -> None:
    manager = login(client, MANAGER)
    approve_all_majors(client, manager, review_id)
    assert client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager).status_code == 200


def open_review(web, review_id: str) -> None:
    web.go(f"/reviews/{review_id}")
    web.wait_text("#progress-text", "100%")


def in_view(web, css: str) -> bool:
    return web.driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.top >= -1 && r.bottom <= window.innerHeight + 1;", css)  # sub-pixel scrolling


def test_a_returned_review_says_by_whom_when_and_why_at_the_top(clerk, client, school):
    web = clerk
    review_id, _ = season(client, FIRST, 2, 2075)
    submitted(client, review_id)
    reason = "会计事务专业的实习成绩与实习单位证明不符，请核对后重新提交"
    r = client.post(f"/api/v1/reviews/{review_id}/return", headers=login(client, REVIEWER), json={"reason": reason})
    assert r.status_code == 200
    web.login(MANAGER)
    web.wait(lambda d: web.finds(f"#all-reviews tr[data-review='{review_id}']"), message="listed at home")
    assert "已退回修改" in web.text(f"#all-reviews tr[data-review='{review_id}']")
    open_review(web, review_id)
    assert web.text("#review-status") == "已退回修改"
    banner = web.text("#returned")
    assert f"已被{COUNTY[1]}退回修改" in banner and "吴审核" in banner and reason in banner
    assert "须重新确认" in banner  # why every earlier approval is gone
    assert in_view(web, "#returned")
    assert "逐个确认资格审核表" in web.text("#next-step")
    assert [m.text for m in web.finds("#majors tbody tr td:nth-child(4)")] == ["待学校确认"] * 2
    assert {b.text for b in web.finds("#majors tbody button[data-major]")} == {"确认资格审核表"}
    web.shot("30-returned-at-the-top")

    # 审核记录: the return stands out, and time, unit and state stay on one line each.
    return_row = web.find("#history tr.history-return")
    assert reason in return_row.text
    for column in (1, 3, 5):
        cell = return_row.find_element(By.CSS_SELECTOR, f"td:nth-child({column})")
        assert cell.value_of_css_property("white-space") == "nowrap"
    assert "确认资格审核表" not in web.text("#history")  # the per-major rows only on request
    web.find("#history-all").click()
    web.wait_text("#history", "学校确认专业资格审核表")


def test_reverify_after_a_grade_import_turns_a_student_qualified_without_a_new_list(clerk, client, school):
    web = clerk
    review_id, students = season(client, FIRST + 10, 3, 2076, ungraded=(1,))
    missing = students[1]
    web.login(MANAGER)
    open_review(web, review_id)
    assert web.text("#unqualified tbody tr td:nth-child(1)") == "3"  # the list's row 3 (row 1: headers)
    grade(client, [missing])  # the clerk imports the missing grades; nothing re-checks by itself
    open_review(web, review_id)
    assert missing["姓名"] in web.text("#unqualified")
    web.click("#reverify-button")
    said = web.confirm("只核验不合格的学生（1人）")
    assert "名单行号不变" in said
    web.wait_text("#changed", "重新核验后结果有变化的学生（1 人）", message="who changed verdict")
    web.wait_text("#progress-text", "合格 3 人，不合格 0 人")
    changed = [c.text for c in web.finds("#changed tbody tr td")]
    assert changed[:4] == ["3", missing["姓名"], "不合格", "合格"]
    assert "没有不合格的学生" in web.text("#unqualified")
    web.shot("31-reverified")


def test_the_reimport_form_carries_the_review_and_says_what_a_rebuild_discards(clerk, client, school):
    web = clerk
    review_id, _ = season(client, FIRST + 20, 2, 2077)
    web.login(MANAGER)
    open_review(web, review_id)
    web.click("#reimport-link")
    web.wait(ec.url_contains("/reviews/new"), message="the re-import form")
    form = web.find("#review-form")
    assert form.find_element(By.NAME, "year").get_attribute("value") == "2077"
    assert form.find_element(By.NAME, "season").get_attribute("value") == "春季"
    assert form.find_element(By.NAME, "kind").get_attribute("value") == "正常验印"
    assert form.find_element(By.NAME, "rebuild").is_selected()
    assert web.find("#rebuild-warning").is_displayed() and "重新核验" in web.text("#rebuild-warning")
    web.shot("32-reimport-prefilled")


def test_irreversible_acts_are_confirmed_with_what_they_will_do(clerk, client, school):
    web = clerk
    review_id, _ = season(client, FIRST + 25, 3, 2078, ungraded=(2,))
    web.login(MANAGER)
    open_review(web, review_id)
    web.click("#majors tbody button[data-major]")
    web.click("#dialog-cancel")  # cancelled: nothing happens
    web.wait(lambda d: not web.finds("dialog.ask"), message="the question closed")
    assert [m.text for m in web.finds("#majors tbody tr td:nth-child(4)")] == ["待学校确认"] * 2
    for _ in range(2):
        web.click("#majors tbody button[data-major]")
        web.confirm("共 1 人")
        web.wait(lambda d: len(web.finds("#majors tbody button[data-major]")) < 2, message="one confirmed")
    web.wait(lambda d: not web.finds("#majors tbody button[data-major]"), message="both confirmed")
    web.click("#submit-button")
    said = web.confirm(f"2 人进入验印，1 人不合格，提交给{COUNTY[1]}")
    assert "不能再修改" in said
    web.wait_text("#review-status", "待县区审核")
    web.shot("33-submit-confirmed")


def test_a_reviewer_returns_from_a_majors_table_whose_header_stays_in_view(clerk, client, school):
    web = clerk
    review_id, students = season(client, FIRST + 30, 12, 2079)
    submitted(client, review_id)
    web.login(REVIEWER)
    # the queue is the first thing under the organisation's card; no empty deadline card above it
    cards = [c.text for c in web.finds("main section.card h2")]
    assert cards[0] == "待本单位审核" and "学籍毕业标记期限" not in cards[:1]
    assert not web.find("#deadlines-card").is_displayed()
    web.wait(lambda d: web.finds(f"#waiting-reviews tr[data-review='{review_id}']"), message="waiting")
    web.shot("34-reviewer-home")
    web.go(f"/reviews/{review_id}/majors/{MAJORS[0][0]}")
    web.wait(lambda d: web.finds("#major-table tbody tr"), message="the table")
    # actions at the top, before the table; the header row sticks; names lead to the detail grades
    assert web.find("#major-approve").location["y"] < web.find("#major-table").location["y"]
    assert web.find("#major-table thead th").value_of_css_property("position") == "sticky"
    link = web.find("#major-table tbody tr td:nth-child(2) a")  # the table's first student: the list's row 2
    assert link.text == students[0]["姓名"] and link.get_attribute("href").endswith(f"/reviews/{review_id}/graduates/2")
    web.driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    assert in_view(web, "#major-actions")  # still at hand at the bottom of a long table
    web.click("#major-return")
    web.find("#dialog-text").send_keys("两名学生身份证号与学籍不符")
    web.confirm()
    web.wait_text("#major-state", "待学校确认", message="returned to the school")
    assert not web.finds("#major-return")
    view = client.get(f"/api/v1/reviews/{review_id}", headers=login(client, MANAGER)).get_json()
    assert view["status_name"] == "已退回修改" and "两名学生身份证号与学籍不符" in view["returned"]["reason"]
    web.shot("35-returned-from-the-table")


def test_a_bureaus_list_leaves_out_schools_drafts_unless_asked(clerk, client, school):
    web = clerk
    draft_id, _ = season(client, FIRST + 45, 1, 2080)
    web.login(REVIEWER)
    web.wait(lambda d: web.finds("#all-reviews table") or "没有符合" in web.text("#all-reviews"), message="list")
    assert not web.finds(f"#all-reviews tr[data-review='{draft_id}']")
    web.find("#review-status-filter").send_keys("全部")
    web.wait(lambda d: web.finds(f"#all-reviews tr[data-review='{draft_id}']"), message="drafts on request")
    web.find("#review-filter").send_keys("不存在的学校")
    web.wait_text("#all-reviews", "没有符合条件的毕业审核")


def test_the_public_check_ignores_spaces_in_a_typed_number(clerk, school):
    web = clerk
    web.go("/verify")
    web.find("input[name=number]").send_keys("2075 05 00001")  # 13 characters typed, 11 digits meant
    web.find("input[name=name]").send_keys("某某")
    web.click("#verify-form button[type=submit]")
    web.wait_text("#verify-result", "查询不到")  # the spaces dropped, the number checked (made up: not found)
    assert "11位" not in web.text("#verify-result")


def test_a_reimport_shows_what_would_change_and_stores_only_on_confirm(clerk, client, school, engine, tmp_path):
    students = [student_row(n, 专业代码=MAJORS[0][0], 专业名称=MAJORS[0][1]) for n in range(6950, 6954)]
    path = tmp_path / "学籍.xlsx"
    path.write_bytes(xlsx(students))
    clerk.login(MANAGER)
    clerk.go("/school/data")
    clerk.upload("#form-students", str(path))  # nothing stored would change: imported at once
    clerk.wait_text("#form-students .result", "导入成功")

    changed = [dict(students[0], 班级="2023级计算机9班"), *students[1:]]
    added = student_row(6954, 专业代码=MAJORS[0][0], 专业名称=MAJORS[0][1])
    path.write_bytes(xlsx([*changed, added]))
    clerk.upload("#form-students", str(path))
    clerk.wait_text("#import-outcome-title", "导入前请核对")
    assert "新增 1 条，修改 1 条，不变 3 条" in clerk.text("#changes-summary")
    rows = [[c.text for c in tr.find_elements(By.TAG_NAME, "td")] for tr in clerk.finds("table.changes tbody tr")]
    assert rows[0][0] == "2" and students[0]["姓名"] in rows[0][1]
    assert rows[0][2] == "班级：2023级计算机1班 → 2023级计算机9班"
    assert rows[1][0] == "6" and added["姓名"] in rows[1][1]
    assert "尚未导入" in clerk.text("#form-students .result")
    clerk.shot("3x-reimport-preview")

    def stored_class() -> str | None:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT class_name FROM roster.students WHERE id_number = %s",
                                        (students[0]["身份证号"],)).scalar()

    clerk.click("#cancel-import")
    clerk.wait_text("#form-students .result", "已取消，未导入")
    assert stored_class() == "2023级计算机1班"

    clerk.upload("#form-students", str(path))
    clerk.click("#confirm-import")
    clerk.wait_text("#form-students .result", "导入成功")
    assert "新增 1 条，修改 1 条，不变 3 条" in clerk.text("#import-outcome")
    assert stored_class() == "2023级计算机9班"
