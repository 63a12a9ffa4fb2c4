"""The graduation review across school, bureaus and province, through the real API and services."""
import threading

import pytest
import sqlalchemy as sa

from tests.integration.test_review_view_cache import make_review
from tests.support.gateway import PASSWORD, login
from tests.support.season import approve_all_majors, verified_review
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

# school, its manager, its chain's reviewers nearest first
SHAPES = {
    "under a county": ("S1", "s1_manager", ["linwei_reviewer", "weinan_reviewer", "province_reviewer"]),
    "directly under a city": ("S2", "s2_manager", ["weinan_reviewer", "province_reviewer"]),
    "directly under the province": ("S3", "s3_manager", ["province_reviewer"]),
}


def post(client, headers, review_id, action, **body):
    return client.post(f"/api/v1/reviews/{review_id}/{action}", headers=headers, json=body or None)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_season_through_each_chain_shape(client, province, stack, engine, shape):
    school, manager_name, reviewers = SHAPES[shape]
    manager = login(client, manager_name)
    first = {"S1": 1100, "S2": 1200, "S3": 1300}[school]
    review_id, _ = verified_review(client, manager, school, first, 6, year=2040)

    assert post(client, manager, review_id, "submit").status_code == 409  # majors not yet approved
    review = approve_all_majors(client, manager, review_id)
    assert {m["status"] for m in review["majors"]} == {"approved"}
    r = post(client, manager, review_id, "submit")
    assert r.status_code == 200, r.get_json()
    levels = [r.get_json()["status"]]
    for position, reviewer in enumerate(reviewers):
        headers = login(client, reviewer)
        for later in reviewers[position + 1:]:
            assert post(client, login(client, later), review_id, "approve").status_code == 403
        assert post(client, headers, review_id, "approve").status_code == 409  # majors first
        approve_all_majors(client, headers, review_id)
        r = post(client, headers, review_id, "approve")
        assert r.status_code == 200, r.get_json()
        levels.append(r.get_json()["status"])
    kinds = {"S1": ["county", "city", "province"], "S2": ["city", "province"], "S3": ["province"]}[school]
    assert levels == [f"pending_{k}" for k in kinds] + ["approved"]

    # numbering follows the approval through an event; wait for it so the history is complete
    review = until(lambda: (r := client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json())
                   ["status"] == "numbered" and r, what="numbering after approval")
    history = review["history"]
    tables = ("approve_major", "confirm_major")
    transitions = [(h["action"], h["from"], h["to"]) for h in history if h["action"] not in tables]
    assert transitions[0] == ("create", None, "draft")
    assert transitions[1] == ("submit", "draft", levels[0])
    assert [t[0] for t in transitions[2:]] == ["approve"] * len(reviewers) + ["numbered"]
    assert transitions[-1][1:] == ("approved", "numbered")
    assert all(h["by"] and h["org"] and h["at"] for h in history)
    with engine.connect() as conn:
        approved_events = conn.execute(sa.text(
            "SELECT payload FROM review.outbox WHERE event_type = 'review_approved' "
            "AND payload->>'review_id' = :id"), {"id": review_id}).scalars().all()
    assert len(approved_events) == 1
    assert [s["seq"] for s in approved_events[0]["students"]] == list(range(1, 7))


def test_return_and_resubmit_restart_the_chain(client, province, stack):
    manager = login(client, "s1_manager")
    county, city = login(client, "linwei_reviewer"), login(client, "weinan_reviewer")
    review_id, _ = verified_review(client, manager, "S1", 1400, 4, year=2041)
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    approve_all_majors(client, county, review_id)
    assert post(client, county, review_id, "approve").get_json()["status"] == "pending_city"

    assert post(client, city, review_id, "return").status_code == 400  # a reason is required
    r = post(client, city, review_id, "return", reason="计算机应用专业有两名学生照片不合格")
    assert r.status_code == 200
    review = r.get_json()
    assert review["status"] == "draft"
    assert {m["status"] for m in review["majors"]} == {"pending"}  # the school approves again
    returned = [h for h in review["history"] if h["action"] == "return"]
    assert returned[0]["reason"] == "计算机应用专业有两名学生照片不合格" and returned[0]["from"] == "pending_city"

    assert post(client, manager, review_id, "submit").status_code == 409
    approve_all_majors(client, manager, review_id)
    assert post(client, manager, review_id, "submit").get_json()["status"] == "pending_county"  # from the start
    assert post(client, city, review_id, "approve").status_code == 403


def test_rebuild_is_refused_once_submitted(client, province, stack):
    manager = login(client, "s3_manager")
    review_id, students = verified_review(client, manager, "S3", 1500, 2, year=2042)
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    listed = [{"姓名": "x", "性别": "男", "身份证号": "1", "招生类别": "其他", "毕业方式": "正常毕业"}]
    r = upload(client, "/api/v1/reviews", manager, xlsx(listed), "名单.xlsx",
               school_code="S3", year="2042", season="春季", kind="正常验印", rebuild="true")
    assert r.status_code == 409


def test_concurrent_approvals_by_one_organisation_yield_one(client, app, province, stack, engine):
    assert client.post("/api/v1/users", headers=province, json={
        "username": "linwei_reviewer2", "password": PASSWORD, "name": "第二审核员", "phone": "0913-2",
        "org_code": "610502", "roles": ["bureau_reviewer"]}).status_code == 201
    manager = login(client, "s1_manager")
    review_id, _ = verified_review(client, manager, "S1", 1600, 2, year=2043)
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    first, second = login(client, "linwei_reviewer"), login(client, "linwei_reviewer2")
    approve_all_majors(client, first, review_id)

    barrier = threading.Barrier(2)
    answers = []

    def approve(headers):
        local = app.test_client()
        barrier.wait()
        answers.append(post(local, headers, review_id, "approve").status_code)

    threads = [threading.Thread(target=approve, args=(h,)) for h in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409]
    with engine.connect() as conn:
        approvals = conn.execute(sa.text(
            "SELECT count(*) FROM review.level_approvals WHERE review_id = :id"), {"id": review_id}).scalar_one()
        approves = conn.execute(sa.text(
            "SELECT count(*) FROM review.history WHERE review_id = :id AND action = 'approve'"),
            {"id": review_id}).scalar_one()
    assert approvals == 1 and approves == 1


def test_reviewer_lists_what_waits_for_them(client, province, stack):
    manager = login(client, "s2_manager")
    review_id, _ = verified_review(client, manager, "S2", 1700, 2, year=2044)
    city = login(client, "weinan_reviewer")
    assert review_id not in [r["id"] for r in client.get("/api/v1/reviews?waiting=true", headers=city).get_json()]
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    waiting = client.get("/api/v1/reviews?waiting=true", headers=city).get_json()
    assert review_id in [r["id"] for r in waiting]
    assert all(r["waiting_for"] == "6105" for r in waiting)
    filtered = client.get("/api/v1/reviews?school_code=S2&season=春季&status=pending_city", headers=city).get_json()
    assert review_id in [r["id"] for r in filtered]
    assert review_id not in [r["id"] for r in client.get("/api/v1/reviews", headers=login(client, "s1_manager"))
                             .get_json()]


def test_history_is_never_edited(engine, stack):
    review_id = make_review(engine)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO review.history (review_id, by_name, by_username, org, to_status, action) "
                             "VALUES (:id, '王老师', 'w', '学校', 'draft', 'create')"), {"id": review_id})
    for change in ("UPDATE review.history SET reason = 'changed' WHERE review_id = :id",
                   "DELETE FROM review.history WHERE review_id = :id"):
        with engine.connect() as conn, pytest.raises(sa.exc.InternalError, match="append-only"):
            conn.execute(sa.text(change), {"id": review_id})


def test_province_adds_days_to_the_working_calendar(client, province, stack, engine):
    admin = province
    r = client.post("/api/v1/calendar", headers=admin, json={"date": "2031-03-10", "workday": False,
                                                            "note": "地方性假日"})
    assert r.status_code == 200 and r.get_json()["workday"] is False
    assert client.post("/api/v1/calendar", headers=admin, json={"date": "2031-13-01", "workday": False}
                       ).status_code == 400
    assert client.post("/api/v1/calendar", headers=login(client, "province_reviewer"),
                       json={"date": "2031-03-11", "workday": False}).status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT workday FROM review.calendar_days WHERE day = '2031-03-10'")
                            ).scalar_one() is False
