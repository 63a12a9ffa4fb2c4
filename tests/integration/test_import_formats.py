"""Every import kind accepts the same data as LibreOffice saves it (.xls, .ods, GBK CSV; a WPS .et is
an .xls inside) with the same result as the template .xlsx: same answer, same stored data."""
import datetime as dt

import pytest

from tests.support.courses import grade_rows, plan_rows
from tests.support.orgs import school_with_manager
from tests.support.people import graduate_row, student_row
from tests.support.snapshots import rows_digest
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import SOFFICE, saved_by_libreoffice, xlsx

pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed: run "
                                "deploy/setup.sh test, which installs libreoffice-calc-nogui")

SCHOOL = "F1"
BASE = f"/api/v1/schools/{SCHOOL}"
FORMATS = [("xls", "xls"), ("ods", "ods"), ("gbk.csv", "csv"), ("xls", "et")]  # (LibreOffice saves, named as)
FORMAT_IDS = ["xls", "ods", "gbk-csv", "wps-et"]
STUDENT_DATA = ("SELECT id_number, student_no, name, gender, birth_date, political_status, major_code, "
                "schooling_years, education_level, enrolled_month, class_name, status, enrollment_category, "
                "enrollment_seq FROM roster.students WHERE school_code = :school")
PLAN_DATA = ("SELECT major_code, cohort, course, term, category, hours FROM grading.course_plans "
             "WHERE school_code = :school")
GRADE_DATA = ("SELECT id_number, course, term, score, word, makeup_score, makeup_word FROM grading.grades "
              "WHERE school_code = :school")
LIST_DATA = ("SELECT row, seq, name, gender, id_number, category, mode, student, intake_reasons, verdict, reasons, "
             "scores FROM review.graduates WHERE review_id = :review")


def typed(rows: list[dict], numbers: tuple[str, ...] = (), dates: tuple[str, ...] = ()) -> dict:
    """raw_cells for xlsx(): these columns as number and date cells, as a clerk's sheet has them."""
    cells = {}
    for index, row in enumerate(rows):
        for header in numbers:
            if row.get(header, "") != "":
                cells[(index, header)] = float(row[header]) if "." in row[header] else int(row[header])
        for header in dates:
            cells[(index, header)] = dt.date.fromisoformat(row[header])
    return cells


STUDENTS = [student_row(n) for n in range(7100, 7105)]
STUDENTS_XLSX = xlsx(STUDENTS, title="某某学校2023级学籍", raw_cells=typed(
    STUDENTS, numbers=("学制", "招生登记序号"), dates=("出生日期",)))
PLANS = plan_rows()
PLANS_XLSX = xlsx(PLANS, raw_cells=typed(PLANS, numbers=("入学年级", "学期", "学时")))
GRADES = [row for s in STUDENTS for row in grade_rows(s, score="78.5")]
GRADES_XLSX = xlsx(GRADES, raw_cells=typed(GRADES, numbers=("学期",)))
GRADUATES_XLSX = xlsx([graduate_row(s) for s in STUDENTS], title="某某学校2026届毕业生名单")


@pytest.fixture(scope="module")
def school(app, province, stack):
    """F1 with its manager, and the answer and stored data of each kind's template .xlsx."""
    client = app.test_client()
    manager = school_with_manager(client, province, (SCHOOL, "渭南市格式测试职业学校"), ("f1_manager", "孙老师"))
    return {"client": client, "manager": manager}


def post(school, url: str, data: bytes, filename: str, fresh: bool = False, **fields):
    """The answer, but an import's `changes`: unless the data is `fresh`, the same data read again
    (in another format) must change nothing."""
    r = upload(school["client"], url, school["manager"], data, filename, **fields)
    assert r.status_code in (200, 202), r.get_json()
    answer = r.get_json()
    changes = answer.pop("changes", None)
    if changes is not None and not fresh:
        assert (changes["new"], changes["changed"], changes["missing"]) == (0, 0, 0), changes
    return answer


@pytest.fixture(scope="module")
def baseline(school, engine):
    """Each kind imported from its template .xlsx: the answers and the stored data."""
    found = {"students": post(school, f"{BASE}/students", STUDENTS_XLSX, "学籍.xlsx", fresh=True)}
    found["students_data"] = rows_digest(engine, STUDENT_DATA, school=SCHOOL)
    found["plans"] = post(school, f"{BASE}/course-plans", PLANS_XLSX, "课程设置.xlsx", fresh=True)
    found["plans_data"] = rows_digest(engine, PLAN_DATA, school=SCHOOL)
    found["grades"] = post(school, f"{BASE}/grades", GRADES_XLSX, "成绩.xlsx", fresh=True)
    found["grades_data"] = rows_digest(engine, GRADE_DATA, school=SCHOOL)
    found["list"], found["list_data"] = import_list(school, engine, GRADUATES_XLSX, "毕业生名单.xlsx")
    return found


def import_list(school, engine, data: bytes, filename: str) -> tuple[dict, str]:
    answer = post(school, "/api/v1/reviews", data, filename, school_code=SCHOOL, year="2026", season="秋季",
                  kind="正常验印", rebuild="true")
    review_url = f"/api/v1/reviews/{answer['review_id']}"
    until(lambda: school["client"].get(review_url, headers=school["manager"]).get_json()["verification"]["state"]
          == "done", what="verification of the list")
    return answer, rows_digest(engine, LIST_DATA, review=answer["review_id"])


def test_the_template_files_are_accepted(baseline):
    assert baseline["students"] == {"imported": 5, "added": 5, "updated": 0, "ignored_columns": [], "errors": []}
    assert baseline["plans"] == {"imported": len(PLANS), "ignored_columns": [], "errors": []}
    assert baseline["grades"] == {"imported": len(GRADES), "ignored_columns": [], "errors": []}
    assert baseline["list"]["ignored_columns"] == []
    assert "'qualified'" in baseline["list_data"] and "'unqualified'" not in baseline["list_data"]


@pytest.mark.parametrize("saved_as, extension", FORMATS, ids=FORMAT_IDS)
def test_registry_in_every_format(school, baseline, engine, saved_as, extension):
    answer = post(school, f"{BASE}/students", saved_by_libreoffice(STUDENTS_XLSX, saved_as), f"学籍.{extension}")
    assert answer == {**baseline["students"], "added": 0, "updated": 5}  # the same students, found again
    assert rows_digest(engine, STUDENT_DATA, school=SCHOOL) == baseline["students_data"]


@pytest.mark.parametrize("saved_as, extension", FORMATS, ids=FORMAT_IDS)
def test_course_plans_in_every_format(school, baseline, engine, saved_as, extension):
    answer = post(school, f"{BASE}/course-plans", saved_by_libreoffice(PLANS_XLSX, saved_as), f"课程设置.{extension}")
    assert answer == baseline["plans"]
    assert rows_digest(engine, PLAN_DATA, school=SCHOOL) == baseline["plans_data"]


@pytest.mark.parametrize("saved_as, extension", FORMATS, ids=FORMAT_IDS)
def test_grades_in_every_format(school, baseline, engine, saved_as, extension):
    answer = post(school, f"{BASE}/grades", saved_by_libreoffice(GRADES_XLSX, saved_as), f"成绩.{extension}")
    assert answer == baseline["grades"]
    assert rows_digest(engine, GRADE_DATA, school=SCHOOL) == baseline["grades_data"]


@pytest.mark.parametrize("saved_as, extension", FORMATS, ids=FORMAT_IDS)
def test_graduate_list_in_every_format(school, baseline, engine, saved_as, extension):
    answer, data = import_list(school, engine, saved_by_libreoffice(GRADUATES_XLSX, saved_as),
                               f"毕业生名单.{extension}")
    assert {**answer, "review_id": None} == {**baseline["list"], "review_id": None}
    assert data == baseline["list_data"]


def test_extra_columns_are_ignored_and_named(school, baseline):
    extra = [dict(r, 备注="转入", 联系电话="13800000000") for r in PLANS]
    answer = post(school, f"{BASE}/course-plans", xlsx(extra), "课程设置.xlsx")
    assert answer == {**baseline["plans"], "ignored_columns": ["备注", "联系电话"]}
    headers = ["姓名", "性别", "身份证号", "招生类别", "毕业方式", "班主任"]
    listed = post(school, "/api/v1/reviews", xlsx([graduate_row(s, 班主任="王老师") for s in STUDENTS], headers),
                  "毕业生名单.xlsx", school_code=SCHOOL, year="2026", season="秋季", kind="正常验印", rebuild="true")
    assert listed["ignored_columns"] == ["班主任"]
