"""One graduate, one certificate: a person who holds a valid number is never numbered again, whatever
the review, season, kind or school; the database itself refuses a second valid number."""
import threading
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import services.common.green  # noqa: F401  (psycopg2 cooperative: the race below blocks in a green thread)
from services.numbering import allocation
from tests.support.gateway import login
from tests.support.season import (
    listed_review,
    numbered_certificates,
    submit_through_chain,
    verified_review,
    verified_view,
)
from tests.support.verdict_counts import mismatched_counts
from tests.support.wait import until

CHAINS = {"S2": ["weinan_reviewer", "province_reviewer"], "S3": ["province_reviewer"],
          "S4": ["weinan_reviewer", "province_reviewer"]}
SCHOOL_NAMES = {"S2": "渭南市直属职业学校", "S3": "陕西省直属职业学院附属中专"}


def reviewers(client, school: str) -> list[dict]:
    return [login(client, name) for name in CHAINS[school]]


def reasons_by_row(review: dict) -> dict[int, list[str]]:
    return {u["row"]: u["reasons"] for u in review["unqualified"]}


def holds(cert: dict, school: str) -> str:
    return (f"该生已有有效毕业证书（编号{cert['number']}，{SCHOOL_NAMES[school]}，{cert['issue_date']}发证），"
            "不能重复验印；如需更正请办理补发")


def audit_entries(engine, action: str, target: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT username, details FROM accounts.audit_log WHERE action = :a AND target = :t"),
            {"a": action, "t": target}).mappings()]


def valid_numbers_of(engine, id_number: str) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT number FROM numbering.certificates WHERE id_number = :i "
                                    "AND status = 'valid'"), {"i": id_number}).scalars().all()


def test_a_numbered_graduate_listed_again_is_unqualified_in_any_review(client, province, stack, engine):
    manager = login(client, "s2_manager")
    first_review, students = verified_review(client, manager, "S2", 3500, 3, year=2060)
    certs = numbered_certificates(client, manager, first_review, reviewers(client, "S2"))
    assert len(certs) == 3

    # the same season's 补验印, and the next season's 正常验印: both say which number the student holds
    for year, season, kind in ((2060, "春季", "补验印"), (2061, "秋季", "正常验印")):
        again = listed_review(client, manager, "S2", students[:2], year, season, kind)
        review = verified_view(client, manager, again)
        assert review["qualified"] == 0
        assert reasons_by_row(review) == {2: [holds(certs[0], "S2")], 3: [holds(certs[1], "S2")]}
        rows = audit_entries(engine, "certificate.listed_again", again)
        assert [r["details"]["rows"] for r in rows] == [[
            {"row": 2, "id_number": students[0]["身份证号"][:6] + "********" + students[0]["身份证号"][-4:],
             "holds": certs[0]["number"]},
            {"row": 3, "id_number": students[1]["身份证号"][:6] + "********" + students[1]["身份证号"][-4:],
             "holds": certs[1]["number"]}]]
        assert rows[0]["username"] == "s2_manager"

    # moved to another school: that school's registry has the student, the province's numbers too
    moved_to, _ = verified_review(client, login(client, "s4_manager"), "S4", 3502, 2, year=2061)
    review = verified_view(client, login(client, "s4_manager"), moved_to)
    assert review["qualified"] == 1 and reasons_by_row(review) == {2: [holds(certs[2], "S2")]}

    # the public check shows the one valid number
    public = client.get(f"/api/v1/verify/{certs[0]['number']}?name={students[0]['姓名']}").get_json()
    assert public["valid"] is True and public["school"] == "渭南市直属职业学校"
    assert valid_numbers_of(engine, students[0]["身份证号"]) == [certs[0]["number"]]


def test_listed_twice_in_one_list_the_second_row_says_so(client, province, stack):
    manager = login(client, "s2_manager")
    review_id, students = verified_review(client, manager, "S2", 3600, 2, year=2062)
    listed_review(client, manager, "S2", [students[0], students[1], students[0]], 2062, rebuild=True)
    review = verified_view(client, manager, review_id)
    assert review["qualified"] == 2
    assert reasons_by_row(review) == {4: ["与第2行是同一身份证号，名单中重复"]}


def test_a_student_is_never_in_a_normal_and_a_supplementary_review_at_once(client, province, stack):
    manager = login(client, "s3_manager")
    normal, students = verified_review(client, manager, "S3", 3700, 2, year=2063)
    assert verified_view(client, manager, normal)["qualified"] == 2

    supplementary = listed_review(client, manager, "S3", students[:1], 2063, kind="补验印")
    review = verified_view(client, manager, supplementary)
    assert review["qualified"] == 0
    assert reasons_by_row(review) == {2: [
        "该生已列入陕西省直属职业学院附属中专2063年春季正常验印的毕业审核（学校编辑中），同一学生不能同时列入两个"
        "毕业审核；如确需在此办理，请先在那份名单中删除该生并重新导入那份名单"]}

    # rebuilding a list does not count the list it replaces, only the other one
    listed_review(client, manager, "S3", students, 2063, rebuild=True)
    review = verified_view(client, manager, normal)
    assert review["qualified"] == 1
    assert reasons_by_row(review) == {2: [
        "该生已列入陕西省直属职业学院附属中专2063年春季补验印的毕业审核（学校编辑中），同一学生不能同时列入两个"
        "毕业审核；如确需在此办理，请先在那份名单中删除该生并重新导入那份名单"]}


def test_approvals_at_the_same_moment_number_a_person_once(client, province, stack, engine):
    """Two schools list the same person and both lists pass intake at once (the race is made here by
    hiding one review from the other's intake); the province approves both at the same moment."""
    s2, s3 = login(client, "s2_manager"), login(client, "s3_manager")
    at_s2, s2_students = verified_review(client, s2, "S2", 3800, 2, year=2064)
    with engine.begin() as conn:  # as if both lists were imported at the same moment
        conn.execute(sa.text("UPDATE review.reviews SET status = 'numbered' WHERE id = :id"), {"id": at_s2})
    at_s3, s3_students = verified_review(client, s3, "S3", 3801, 2, year=2064)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review.reviews SET status = 'draft' WHERE id = :id"), {"id": at_s2})
    person = s2_students[1]
    assert person["身份证号"] == s3_students[0]["身份证号"]
    assert verified_view(client, s3, at_s3)["qualified"] == 2

    province_reviewer = login(client, "province_reviewer")
    submit_through_chain(client, s2, at_s2, [login(client, "weinan_reviewer"), province_reviewer])
    submit_through_chain(client, s3, at_s3, [province_reviewer])
    answers = []
    threads = [threading.Thread(target=lambda rid=rid: answers.append(
        client.post(f"/api/v1/reviews/{rid}/approve", headers=province_reviewer).status_code))
        for rid in (at_s2, at_s3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [200, 200]

    until(lambda: {client.get(f"/api/v1/reviews/{rid}", headers=province_reviewer).get_json()["status"]
                   for rid in (at_s2, at_s3)} == {"numbered"}, what="both reviews numbered")
    assert len(valid_numbers_of(engine, person["身份证号"])) == 1
    views = {rid: client.get(f"/api/v1/reviews/{rid}", headers=province_reviewer).get_json()
             for rid in (at_s2, at_s3)}
    refused = [rid for rid, v in views.items() if v["qualified"] == 1]
    assert len(refused) == 1, "exactly one review was refused the person's second number"
    view = views[refused[0]]
    (reasons,) = [u["reasons"] for u in view["unqualified"] if u["name"] == person["姓名"]]
    assert reasons[-1].startswith("该生已有有效毕业证书（编号") and reasons[-1].endswith("如需更正请办理补发")
    numbered = [h for h in view["history"] if h["to"] == "numbered"]
    assert "1人已有有效毕业证书，未再发放编号" in numbered[0]["reason"] and person["姓名"] in numbered[0]["reason"]
    certs = client.get(f"/api/v1/reviews/{refused[0]}/certificates", headers=province_reviewer).get_json()
    assert len(certs) == 1 and certs[0]["name"] != person["姓名"]
    assert mismatched_counts(engine) == [], "the refused graduate counts as unqualified on the review too"


def test_a_voided_number_lets_the_person_be_listed_and_numbered_again(client, province, stack, engine):
    manager, province_reviewer = login(client, "s2_manager"), login(client, "province_reviewer")
    first, students = verified_review(client, manager, "S2", 3900, 1, year=2065)
    (cert,) = numbered_certificates(client, manager, first, reviewers(client, "S2"))
    assert client.post(f"/api/v1/certificates/{cert['number']}/void", headers=manager,
                       json={"reason": "误发"}).status_code == 403
    assert client.post(f"/api/v1/certificates/{cert['number']}/void", headers=province_reviewer,
                       json={}).status_code == 400
    r = client.post(f"/api/v1/certificates/{cert['number']}/void", headers=province_reviewer,
                    json={"reason": "该生当季未完成实习，证书误发"})
    assert r.status_code == 200 and r.get_json() == {"number": cert["number"], "status": "void"}
    assert client.post(f"/api/v1/certificates/{cert['number']}/void", headers=province_reviewer,
                       json={"reason": "again"}).status_code == 409
    assert audit_entries(engine, "certificate.void", cert["number"])[0]["details"] == {
        "reason": "该生当季未完成实习，证书误发"}
    assert client.get(f"/api/v1/verify/{cert['number']}?name={students[0]['姓名']}").get_json() == {"valid": False}

    again = listed_review(client, manager, "S2", students, 2065, kind="补验印")
    assert verified_view(client, manager, again)["qualified"] == 1
    (second,) = numbered_certificates(client, manager, again, reviewers(client, "S2"))
    assert second["number"] != cert["number"]
    assert valid_numbers_of(engine, students[0]["身份证号"]) == [second["number"]]


def approval_of(people: list[str], unit: str, year: int) -> dict:
    return {"review_id": str(uuid.uuid4()), "school_code": "S-RACE", "school_name": "并发测试学校", "year": year,
            "stamping_unit_code": unit,
            "students": [{"seq": i, "row": i + 1, "id_number": p, "name": f"学生{i}", "major_name": "计算机应用"}
                         for i, p in enumerate(people, start=1)]}


@pytest.mark.parametrize("second_unit", ["05", "90"], ids=["same unit", "another unit"])
def test_the_database_refuses_a_second_valid_number(engine, stack, second_unit):
    """The check before the insert cannot see a number not yet committed: the unique index decides. The
    second allocation reads before the first commits, waits on the index (or the unit's sequence),
    fails, and its next attempt refuses the person, with no gap left in either sequence."""
    year = 2066 if second_unit == "05" else 2067
    person, other = f"R{uuid.uuid4().hex[:17]}", f"R{uuid.uuid4().hex[:17]}"
    first, second = approval_of([person], "05", year), approval_of([other, person], second_unit, year)
    with Session(engine) as earlier:
        earlier.begin()
        assert allocation.allocate(earlier, first).count == 1  # inserted, not committed
        results = []

        def later_allocation():
            with Session(engine) as later, later.begin():
                results.append(allocation.allocate(later, second))
        racing = threading.Thread(target=later_allocation)
        racing.start()
        racing.join(1.0)
        assert racing.is_alive(), "the later allocation waits for the earlier one"
        earlier.commit()
    racing.join(30)
    (result,) = results
    assert result.count == 1 and [r["id_number"] for r in result.refused] == [person]
    assert valid_numbers_of(engine, person) == [f"{year}0500001"]
    with engine.connect() as conn:
        sequences = conn.execute(sa.text("SELECT unit_code, sequence FROM numbering.certificates WHERE year = :y "
                                          "ORDER BY unit_code, sequence"), {"y": year}).all()
    expected = [("05", 1), ("05", 2)] if second_unit == "05" else [("05", 1), ("90", 1)]
    assert [tuple(s) for s in sequences] == expected
