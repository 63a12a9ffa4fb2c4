"""Graduate list → review through the real HTTP API and services: row order kept, bad rows reported
as unqualified with reasons, 409 without rebuild, rebuild replaces, unusable files refused."""
import io
import zipfile

import pytest
import sqlalchemy as sa

from services.roster.graduates import NOT_FOUND
from tests.support.gateway import login
from tests.support.people import graduate_row, id_number, student_row
from tests.support.snapshots import rows_digest
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

SCHOOL = "S2"
FIELDS = {"school_code": SCHOOL, "year": "2026", "season": "秋季", "kind": "正常验印"}


@pytest.fixture(scope="module")
def registry(app, province, stack):
    """S2's registry: ten students, number 5 on leave (休学)."""
    students = [student_row(n, **({"学籍状态": "休学"} if n == 405 else {})) for n in range(401, 411)]
    client = app.test_client()
    r = upload(client, f"/api/v1/schools/{SCHOOL}/students", login(client, "s2_manager"), xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    return students


@pytest.fixture
def manager(client, registry):
    return login(client, "s2_manager")


def post_list(client, headers, rows, filename="毕业生名单.xlsx", title="2026届毕业生名单", **fields):
    return upload(client, "/api/v1/reviews", headers, xlsx(rows, title=title), filename, **{**FIELDS, **fields})


def test_list_becomes_a_review_with_reasons_by_row(client, manager, registry, engine):
    s = registry
    stranger = {"姓名": "王五", "性别": "男", "身份证号": id_number(__import__("datetime").date(2006, 5, 5), 11),
                "招生类别": "应届初中毕业生", "毕业方式": "正常毕业"}
    rows = [
        graduate_row(s[0]),                                  # sheet row 3 (title row 1, header row 2)
        graduate_row(s[1], 身份证号=s[1]["身份证号"][:17] + ("0" if s[1]["身份证号"][17] != "0" else "1")),
        stranger,                                            # row 5: not in the registry
        graduate_row(s[4]),                                 # row 6: registry status 休学 (student 405)
        graduate_row(s[5], 性别="女" if s[5]["性别"] == "男" else "男"),  # row 7: list gender disagrees
        graduate_row(s[6], 毕业方式="出国"),                   # row 8: unknown 毕业方式
        graduate_row(s[7], 姓名="别的名字"),                   # row 9: name does not match the registry
        graduate_row(s[0]),                                  # row 10: listed twice
        graduate_row(s[8], 毕业方式="升学"),                   # row 11
    ]
    r = post_list(client, manager, rows)
    assert r.status_code == 202, r.get_json()
    review_id = r.get_json()["review_id"]

    review = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
    assert review["status"] == "draft"
    assert review["verification"]["total"] == 9
    reasons = {u["row"]: u["reasons"] for u in review["unqualified"]}
    assert any("校验位" in x for x in reasons[4])
    assert reasons[5] == [NOT_FOUND]
    assert any("休学" in x for x in reasons[6])
    assert any("性别" in x and "不一致" in x for x in reasons[7])
    assert any("毕业方式" in x for x in reasons[8])
    assert reasons[9] == [NOT_FOUND]
    assert any("重复" in x for x in reasons[10])
    with engine.connect() as conn:  # grading judges rows 3 and 11 later; what intake found is stored at once
        intake = dict(conn.execute(sa.text("SELECT row, intake_reasons FROM review.graduates WHERE review_id = :id"),
                                   {"id": review_id}).all())
    assert intake[3] == [] and intake[11] == []
    assert [u["row"] for u in review["unqualified"]] == sorted(reasons)  # list order kept
    assert review["history"][0]["by"] == "s2_manager的姓名"


def test_existing_review_is_not_overwritten_without_rebuild(client, manager, registry, engine):
    rows = [graduate_row(registry[0])]
    first = post_list(client, manager, rows, year="2027")
    assert first.status_code == 202
    review_id = first.get_json()["review_id"]
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["verification"]["state"]
          == "done", what="verification of the first list")

    def this_review():
        return (rows_digest(engine, "SELECT * FROM review.reviews WHERE id = :id", id=review_id),
                rows_digest(engine, "SELECT * FROM review.graduates WHERE review_id = :id", id=review_id))
    before = this_review()
    again = post_list(client, manager, rows + [graduate_row(registry[1])], year="2027")
    assert again.status_code == 409
    assert "允许重建" in again.get_json()["error"]["message"]
    assert this_review() == before

    rebuilt = post_list(client, manager, rows + [graduate_row(registry[1])], year="2027", rebuild="true")
    assert rebuilt.status_code == 202
    assert rebuilt.get_json()["review_id"] == first.get_json()["review_id"]
    review = client.get(f"/api/v1/reviews/{first.get_json()['review_id']}", headers=manager).get_json()
    assert review["verification"]["total"] == 2
    assert review["generation"] == 2
    assert [h["action"] for h in review["history"]] == ["create", "rebuild"]


def test_rebuild_is_refused_once_submitted(client, manager, registry, engine):
    r = post_list(client, manager, [graduate_row(registry[2])], year="2028")
    review_id = r.get_json()["review_id"]
    with engine.begin() as conn:  # the submit action belongs to the review issue; set the state directly
        conn.execute(sa.text("UPDATE review.reviews SET status = 'pending_city', chain_pos = 0 WHERE id = :id"),
                     {"id": review_id})
    r = post_list(client, manager, [graduate_row(registry[3])], year="2028", rebuild="true")
    assert r.status_code == 409
    assert "不能重建" in r.get_json()["error"]["message"]


def zip_of_text() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "a zip, but not a workbook")
    return out.getvalue()


@pytest.mark.parametrize("content, filename, fragment", [
    (zip_of_text(), "名单.xlsx", "无法读取"),
    (b"not a spreadsheet at all", "名单.xlsx", "不是Excel"),
    (xlsx([{"姓名": "张三", "身份证号": "1"}]), "名单.xlsx", "找不到表头"),
    (xlsx([], headers=["姓名", "性别", "身份证号", "招生类别", "毕业方式"]), "名单.xlsx", "没有学生"),
])
def test_unusable_list_is_refused_and_no_review_is_made(client, manager, engine, content, filename, fragment):
    def lists():  # verification of other reviews may update verdicts meanwhile; lists themselves must not change
        return (rows_digest(engine, "SELECT review_id, generation, row, id_number FROM review.graduates"),
                rows_digest(engine, "SELECT id, generation FROM review.reviews"))
    before = lists()
    r = upload(client, "/api/v1/reviews", manager, content, filename, **{**FIELDS, "year": "2030"})
    assert r.status_code == 422
    assert fragment in r.get_json()["error"]["message"]
    assert lists() == before


@pytest.mark.parametrize("fields, fragment", [
    ({"season": "夏季"}, "season"), ({"kind": "验印"}, "kind"), ({"year": "26"}, "year"),
    ({"rebuild": "maybe"}, "rebuild"),
])
def test_bad_form_fields_are_400(client, manager, registry, fields, fragment):
    r = post_list(client, manager, [graduate_row(registry[0])], **fields)
    assert r.status_code == 400
    assert fragment in r.get_json()["error"]["message"]


def test_reviews_are_visible_only_up_the_tree(client, manager, registry):
    listed = graduate_row(registry[9], 姓名="不在学籍中")
    r = post_list(client, manager, [listed], year="2029")
    review_id = r.get_json()["review_id"]
    number = listed["身份证号"]
    own_view = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
    assert own_view["unqualified"][0]["id_number"] == number[:6] + "********" + number[-4:]
    assert client.get(f"/api/v1/reviews/{review_id}", headers=login(client, "s1_manager")).status_code == 404
    assert client.get(f"/api/v1/reviews/{review_id}", headers=login(client, "linwei_reviewer")).status_code == 404
    bureau_view = client.get(f"/api/v1/reviews/{review_id}", headers=login(client, "weinan_reviewer")).get_json()
    assert bureau_view["unqualified"][0]["id_number"] == number[:6] + "********" + number[-4:]
    assert client.get("/api/v1/reviews/not-a-uuid", headers=manager).status_code == 404


def test_another_schools_manager_cannot_create(client, province, stack, registry):
    r = post_list(client, login(client, "s1_manager"), [graduate_row(registry[0])], year="2031")
    assert r.status_code == 404
    r = post_list(client, login(client, "weinan_reviewer"), [graduate_row(registry[0])], year="2031")
    assert r.status_code == 403
