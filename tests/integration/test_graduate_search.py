"""Finding a graduate (GET /api/v1/graduates?q=) through the real gateway and services: by the start
of a name or the whole name, by a whole ID number (either case of x), masked ID numbers, the
certificate each listing got, the caller's subtree and nothing beyond it, and the refusals."""
import sqlalchemy as sa

from services.common.idnumber import mask
from tests.support.courses import PLAN, plan_rows
from tests.support.gateway import login
from tests.support.people import student_row
from tests.support.season import listed_review, numbered_certificates, verified_view
from tests.support.uploads import upload
from tests.support.workbooks import xlsx

SEASON = "秋季"


def named_review(client, manager: dict, school: str, names: dict[int, str], year: int,
                 kind: str = "正常验印") -> tuple[str, list[dict]]:
    """A verified review of registry rows n with these names, every one qualified."""
    students = [student_row(n, 姓名=name) for n, name in names.items()]
    r = upload(client, f"/api/v1/schools/{school}/students", manager, xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    r = upload(client, f"/api/v1/schools/{school}/course-plans", manager, xlsx(plan_rows()), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "88"}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{school}/grades", headers=manager, json={"grades": records})
    assert r.status_code == 200, r.get_json()
    return listed_review(client, manager, school, students, year, SEASON, kind), students


def find(client, headers: dict, q: str) -> list[dict]:
    r = client.get("/api/v1/graduates", headers=headers, query_string={"q": q})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def audit_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM accounts.audit_log")).scalar_one()


def test_by_name_or_its_start_within_the_callers_subtree(client, province, stack, engine):
    year = 2095
    at_s1, s1 = named_review(client, login(client, "s1_manager"), "S1", {5600: "欧阳明远", 5601: "欧阳明"}, year)
    at_s4, s4 = named_review(client, login(client, "s4_manager"), "S4", {5602: "欧阳明"}, year)
    at_s2, _ = named_review(client, login(client, "s2_manager"), "S2", {5603: "欧阳晓"}, year)
    at_s3, _ = named_review(client, login(client, "s3_manager"), "S3", {5604: "欧阳明"}, year)
    before = audit_count(engine)

    province_reviewer = login(client, "province_reviewer")
    found = find(client, province_reviewer, "欧阳明")
    # newest review first (S3's list came last), list order within a review
    assert [(f["school_code"], f["name"]) for f in found] == [
        ("S3", "欧阳明"), ("S4", "欧阳明"), ("S1", "欧阳明远"), ("S1", "欧阳明")]
    assert found[2] == {
        "review_id": at_s1, "school_code": "S1", "school_name": "临渭职业中专", "year": year, "season": SEASON,
        "kind": "正常验印", "status": "draft", "status_name": "学校编辑中", "row": 2, "name": "欧阳明远",
        "id_number": mask(s1[0]["身份证号"]), "major_name": "计算机应用", "verdict": "qualified", "reasons": [],
        "certificate": None}
    assert all("********" in f["id_number"] and len(f["id_number"]) == 18 for f in found)
    assert {f["review_id"] for f in found} == {at_s1, at_s4, at_s3}
    assert len(find(client, province_reviewer, "欧阳")) == 5
    assert [f["name"] for f in find(client, province_reviewer, "欧阳明远")] == ["欧阳明远"]
    assert find(client, province_reviewer, "欧阳明远一") == []
    assert len(find(client, province, "欧阳")) == 5  # the province admin too

    # a county's reviewer and administrator see its school; a city's reviewer its city, not the province's
    # school; a school's graduation manager its own school
    for username in ("linwei_reviewer", "linwei_admin"):
        assert [(f["school_code"], f["name"]) for f in find(client, login(client, username), "欧阳")] == [
            ("S1", "欧阳明远"), ("S1", "欧阳明")]
    assert {f["school_code"] for f in find(client, login(client, "weinan_reviewer"), "欧阳")} == {"S1", "S2", "S4"}
    assert [(f["review_id"], f["id_number"]) for f in find(client, login(client, "s4_manager"), "欧阳明")] == [
        (at_s4, mask(s4[0]["身份证号"]))]
    assert find(client, login(client, "s4_manager"), s1[0]["身份证号"]) == []
    assert find(client, login(client, "linwei_reviewer"), "欧阳晓") == []
    assert at_s2  # listed, and found only from above S2
    assert audit_count(engine) == before  # reading audits nothing


def test_by_whole_id_number_with_the_certificate_of_each_listing(client, province, stack):
    year = 2097
    manager = login(client, "s2_manager")
    chain = [login(client, "weinan_reviewer"), login(client, "province_reviewer")]
    review_id, students = named_review(client, manager, "S2", {5605: "司徒静", 5606: "司徒雷"}, year)
    number = students[0]["身份证号"]
    assert number.endswith("X")

    for q in (number, number.lower(), f" {number.lower()} "):
        found = find(client, manager, q)
        assert [(f["review_id"], f["name"], f["id_number"], f["certificate"]) for f in found] == [
            (review_id, "司徒静", mask(number), None)]

    certificates = numbered_certificates(client, manager, review_id, chain)
    held = next(c for c in certificates if c["name"] == "司徒静")
    found = find(client, chain[0], number.lower())
    assert [(f["status"], f["certificate"]) for f in found] == [
        ("numbered", {"number": held["number"], "status": "valid", "issue_date": held["issue_date"]})]

    # listed again in a 补验印: unqualified there, with no certificate of its own; newest first
    again = listed_review(client, manager, "S2", students[:1], year, SEASON, "补验印")
    assert verified_view(client, manager, again)["qualified"] == 0
    found = find(client, chain[1], number)
    assert [(f["review_id"], f["kind"], f["verdict"]) for f in found] == [
        (again, "补验印", "unqualified"), (review_id, "正常验印", "qualified")]
    assert found[0]["certificate"] is None and "已有有效毕业证书" in found[0]["reasons"][0]
    assert found[1]["certificate"]["number"] == held["number"]

    # a voided number shows as void on its listing
    r = client.post(f"/api/v1/certificates/{held['number']}/void", headers=chain[1], json={"reason": "姓名有误"})
    assert r.status_code == 200, r.get_json()
    assert find(client, manager, number)[1]["certificate"] == {
        "number": held["number"], "status": "void", "issue_date": held["issue_date"]}

    # outside the caller's subtree: nothing, not even that the person exists
    assert find(client, login(client, "linwei_reviewer"), number) == []
    assert find(client, login(client, "s3_manager"), number) == []


def test_at_most_fifty_in_list_order(client, province, stack):
    manager = login(client, "s2_manager")
    review_id, _ = named_review(client, manager, "S2", {n: f"上官{n}" for n in range(5620, 5671)}, 2096)
    found = find(client, manager, "上官")
    assert len(found) == 50 and {f["review_id"] for f in found} == {review_id}
    assert [f["row"] for f in found] == list(range(2, 52))


def test_refusals(client, province, stack):
    r = client.get("/api/v1/graduates", headers=login(client, "s1_clerk"), query_string={"q": "欧阳明"})
    assert r.status_code == 403
    headers = login(client, "province_reviewer")
    for q, words in (("欧", "至少输入2个字"), ("", "请输入"), (" ", "请输入"), ("61050220", "完整的18位"),
                     ("x" * 51, "不能超过")):
        r = client.get("/api/v1/graduates", headers=headers, query_string={"q": q})
        assert r.status_code == 400, (q, r.get_json())
        assert words in r.get_json()["error"]["message"]
    assert client.get("/api/v1/graduates", headers=headers).status_code == 400
    assert client.get("/api/v1/graduates", query_string={"q": "欧阳明"}).status_code == 401
