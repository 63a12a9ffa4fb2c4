"""The province's approval is refused, before anything changes, when the school's chain has no
stamping-unit code: the certificate numbers that follow it carry that code. The province sees why
instead of the button, and doing what the reason says (set the code, return, re-import) lets it through.
People 4700–4701, year 2087; this module's own subtree (city 6188 without a unit, school NU1)."""
import pytest

from services.review import machine
from tests.support.gateway import PASSWORD, login
from tests.support.season import approve_all_majors, listed_review, verified_review
from tests.support.wait import until

YEAR = 2087
TREE = [("6188", "无验印单位市教育局", "city", "61", True), ("NU1", "无验印单位职业中专", "school", "6188", False)]
USERS = [("nu1_manager", "NU1", ["school_graduation_manager"]), ("nu_city_reviewer", "6188", ["bureau_reviewer"])]


@pytest.fixture(scope="module")
def unitless(app, province):
    """A school whose chain (the city, the province) has no stamping unit at all."""
    client = app.test_client()
    for code, name, kind, parent, reviews in TREE:
        r = client.post("/api/v1/orgs", headers=province, json={
            "code": code, "name": name, "kind": kind, "parent_code": parent, "reviews_graduation": reviews,
            "stamping_unit_code": None})
        assert r.status_code == 201, r.get_json()
    for username, org, roles in USERS:
        r = client.post("/api/v1/users", headers=province, json={
            "username": username, "password": PASSWORD, "name": f"{username}的姓名", "phone": "0913-1234567",
            "org_code": org, "roles": roles})
        assert r.status_code == 201, r.get_json()
    return province


def post(client, headers, review_id, action, **body):
    return client.post(f"/api/v1/reviews/{review_id}/{action}", headers=headers, json=body or None)


def to_the_province(client, manager, city, review_id) -> None:
    approve_all_majors(client, manager, review_id)
    assert post(client, manager, review_id, "submit").status_code == 200
    approve_all_majors(client, city, review_id)
    r = post(client, city, review_id, "approve")  # only the last approval needs the code
    assert r.status_code == 200 and r.get_json()["status"] == "pending_province", r.get_json()


def test_the_province_is_told_why_it_cannot_approve_and_what_to_do(client, stack, unitless):
    manager, city, prov = login(client, "nu1_manager"), login(client, "nu_city_reviewer"), login(client,
                                                                                                 "province_reviewer")
    review_id, students = verified_review(client, manager, "NU1", 4700, 2, year=YEAR)
    assert client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["stamping_unit_code"] is None
    to_the_province(client, manager, city, review_id)

    view = client.get(f"/api/v1/reviews/{review_id}", headers=prov).get_json()
    assert [b["action"] for b in view["blocked"]] == ["approve"]  # said before the majors are approved too
    view = approve_all_majors(client, prov, review_id)
    assert {a["action"] for a in view["actions"]} == {"return"}
    assert view["blocked"] == [{"action": "approve", "name": "审核通过", "reason": machine.NO_STAMPING_UNIT_CODE}]

    r = post(client, prov, review_id, "approve")
    assert r.status_code == 409 and r.get_json()["error"]["message"] == machine.NO_STAMPING_UNIT_CODE
    after = client.get(f"/api/v1/reviews/{review_id}", headers=prov).get_json()
    assert after["status"] == "pending_province" and after["history"] == view["history"]
    approvals = client.get(f"/api/v1/reviews/{review_id}/summary", headers=prov).get_json()["approvals"]
    assert [a["level_code"] for a in approvals] == ["6188"]  # the city's alone: the province's was not written

    # what the reason says to do: the province admin sets the code, the review is returned, the school
    # imports its list again with 允许重建 and submits; then the province's approval goes through
    r = client.patch("/api/v1/orgs/6188", headers=unitless, json={"stamping_unit_code": "86"})
    assert r.status_code == 200, r.get_json()
    assert post(client, prov, review_id, "return", reason="请重新导入名单以取得验印单位代码").status_code == 200
    assert listed_review(client, manager, "NU1", students, YEAR, rebuild=True) == review_id
    assert client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["stamping_unit_code"] == "86"
    to_the_province(client, manager, city, review_id)
    view = approve_all_majors(client, prov, review_id)
    assert view["blocked"] == [] and "approve" in {a["action"] for a in view["actions"]}
    r = post(client, prov, review_id, "approve")
    assert r.status_code == 200 and r.get_json()["status"] == "approved", r.get_json()
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          what="numbers issued")
    numbers = [c["number"] for c in client.get(f"/api/v1/reviews/{review_id}/certificates", headers=manager)
               .get_json()]
    assert numbers == [f"{YEAR}8600001", f"{YEAR}8600002"]
