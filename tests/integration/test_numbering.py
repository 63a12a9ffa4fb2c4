"""Certificate numbers: contiguous per unit and year, never doubled, under concurrency and kills;
public verification discloses nothing else."""
import random
import time
import uuid

import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from tests.support.gateway import login
from tests.support.season import approve_all_majors, verified_review
from tests.support.wait import until

NUMBERING = ("services.numbering.service:NumberingService", "numbering", "services/numbering/config.yml")


def approval(year: int, unit: str, count: int, review_id: str | None = None) -> dict:
    """A province approval of `count` people of its own (ID numbers made from the review's id)."""
    review_id = review_id or str(uuid.uuid4())
    return {"event_id": str(uuid.uuid4()), "review_id": review_id, "generation": 1,
            "school_code": "S-TEST", "school_name": "测试学校", "year": year, "stamping_unit_code": unit,
            "students": [{"seq": i, "row": i + 1, "id_number": f"T{review_id[:8]}{i:09d}", "name": f"学生{i}",
                          "major_name": "计算机应用"} for i in range(1, count + 1)]}


def numbers(engine, year: int) -> list:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT unit_code, sequence, review_id, seq, number FROM numbering.certificates WHERE year = :y "
            "ORDER BY unit_code, sequence"), {"y": year}).all()


def assert_contiguous_and_ordered(rows, expected_total: int):
    assert len(rows) == expected_total
    assert len({r.number for r in rows}) == expected_total
    for unit in {r.unit_code for r in rows}:
        seqs = [r.sequence for r in rows if r.unit_code == unit]
        assert seqs == list(range(1, len(seqs) + 1)), f"unit {unit} has gaps or repeats"
    by_review: dict = {}
    for r in rows:
        by_review.setdefault(r.review_id, []).append((r.sequence, r.seq))
    for pairs in by_review.values():
        assert [s for _, s in sorted(pairs)] == sorted(s for _, s in pairs), "numbers follow list order"


def dispatch_all(amqp_uri: str, payloads: list[dict]) -> None:
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    for p in payloads:
        dispatch("review", "review_approved", p)


def test_a_season_ends_with_numbers_in_list_order(client, province, stack, engine):
    manager = login(client, "s2_manager")
    review_id, students = verified_review(client, manager, "S2", 1800, 5, year=2045)
    approve_all_majors(client, manager, review_id)
    client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager)
    for reviewer in ("weinan_reviewer", "province_reviewer"):
        headers = login(client, reviewer)
        approve_all_majors(client, headers, review_id)
        assert client.post(f"/api/v1/reviews/{review_id}/approve", headers=headers).status_code == 200
    certs = until(lambda: client.get(f"/api/v1/reviews/{review_id}/certificates", headers=manager).get_json(),
                  what="numbers issued")
    assert [c["number"] for c in certs] == [f"20450500{n:03d}" for n in range(1, 6)]
    assert [c["name"] for c in certs] == [s["姓名"] for s in students]
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          what="review marked numbered")

    public = client.get(f"/api/v1/verify/{certs[0]['number']}?name={students[0]['姓名']}").get_json()
    assert public == {"valid": True, "name": students[0]["姓名"], "school": "渭南市直属职业学校",
                      "major": students[0]["专业名称"], "issue_date": certs[0]["issue_date"]}
    assert client.get(f"/api/v1/verify/{certs[0]['number']}?name=别人").get_json() == {"valid": False}
    assert client.get("/api/v1/verify/20450599999?name=x").get_json() == {"valid": False}

    # printed by the school, stamped by the stamping unit (the city), then the graduation deadline runs
    city = login(client, "weinan_reviewer")
    assert client.post(f"/api/v1/reviews/{review_id}/stamp", headers=city).status_code == 409
    assert client.post(f"/api/v1/reviews/{review_id}/mark-printed", headers=manager).get_json()["status"] == "printed"
    assert client.post(f"/api/v1/reviews/{review_id}/stamp", headers=manager).status_code == 403
    assert client.post(f"/api/v1/reviews/{review_id}/stamp", headers=city).get_json()["status"] == "stamped"
    due = [d for d in client.get("/api/v1/deadlines", headers=city).get_json() if d["id"] == review_id]
    assert due and due[0]["working_days_left"] == 10 and due[0]["state"] == "ok"
    assert client.post(f"/api/v1/reviews/{review_id}/mark-graduated", headers=manager).get_json()["status"] == "issued"
    assert review_id not in [d["id"] for d in client.get("/api/v1/deadlines", headers=city).get_json()]
    with engine.connect() as conn:
        statuses = until(lambda: set(conn.execute(sa.text(
            "SELECT status FROM roster.students WHERE school_code = 'S2' AND id_number = ANY(:ids)"),
            {"ids": [s["身份证号"] for s in students]}).scalars()) == {"毕业"}, what="registry marked graduated")
    assert statuses


def test_verification_is_rate_limited(client, stack):
    # 30 a minute: the first 30 pass at once; later ones only as the allowance returns (one per 2 s).
    started = time.monotonic()
    answers = [client.get("/api/v1/verify/20990100001?name=张三", environ_base={"REMOTE_ADDR": "10.9.9.9"})
               .status_code for _ in range(35)]
    returned = int((time.monotonic() - started) / 2)
    assert answers[:30] == [200] * 30 and 429 in answers
    assert answers.count(200) <= 30 + returned


def test_concurrent_approvals_across_two_processes(spawn, engine, amqp_uri):
    spawn(*NUMBERING, label="numbering-second", wait=False).wait_consuming()
    rng = random.Random(7)
    payloads = [approval(2051, rng.choice(["05", "01", "90"]), rng.randint(1, 60)) for _ in range(40)]
    dispatch_all(amqp_uri, payloads)
    total = sum(len(p["students"]) for p in payloads)
    until(lambda: len(numbers(engine, 2051)) == total, timeout=60, what="every number issued")
    assert_contiguous_and_ordered(numbers(engine, 2051), total)


def test_an_approval_delivered_twice_issues_one_set(engine, amqp_uri, stack):
    first = approval(2052, "05", 10)
    again = dict(first)                                        # the very same event, redelivered
    second_approval = dict(first, event_id=str(uuid.uuid4()))  # the review approved a second time
    dispatch_all(amqp_uri, [first, again, second_approval])
    until(lambda: len(numbers(engine, 2052)) >= 10, what="numbers")
    later = approval(2052, "05", 1)  # a marker: once it is numbered, the repeats were handled before it
    dispatch_all(amqp_uri, [later])
    until(lambda: len(numbers(engine, 2052)) == 11, what="the marker numbered")
    assert_contiguous_and_ordered(numbers(engine, 2052), 11)


def test_a_numbering_process_killed_mid_allocation(spawn, engine, amqp_uri):
    doomed = spawn(*NUMBERING, label="numbering-doomed", extra_env={"FAULTS": "mid_allocation"}, wait=False)
    doomed.wait_consuming()
    payloads = [approval(2053, "05", 25) for _ in range(12)]
    dispatch_all(amqp_uri, payloads)
    assert doomed.wait_exit(60) == 137
    until(lambda: len(numbers(engine, 2053)) == 300, timeout=60, what="every number issued after the kill")
    assert_contiguous_and_ordered(numbers(engine, 2053), 300)


def test_running_out_is_an_error_not_a_wrap(engine, amqp_uri, stack):
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO numbering.sequences VALUES ('77', 2054, 99990)"))
    payload = approval(2054, "77", 20)
    dispatch_all(amqp_uri, [payload])
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as rpc:
        def failed():
            result = rpc.numbering.certificates(payload["review_id"])
            return result if result["failure"] else None
        result = until(failed, what="the failure recorded")
    assert "已用完" in result["failure"] and result["certificates"] == []
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT last FROM numbering.sequences WHERE unit_code = '77'")).scalar() == 99990


def test_a_correction_voids_and_reissues(client, province, engine, amqp_uri, stack):
    payload = approval(2055, "90", 3)
    dispatch_all(amqp_uri, [payload])
    until(lambda: len(numbers(engine, 2055)) == 3, what="numbers")
    headers = login(client, "province_reviewer")
    r = client.post("/api/v1/certificates/20559000002/reissue", headers=headers, json={"reason": "姓名录入错误"})
    assert r.get_json() == {"number": "20559000004", "replaces": "20559000002"}
    assert client.post("/api/v1/certificates/20559000002/reissue", headers=headers,
                       json={"reason": "again"}).status_code == 409
    assert client.post("/api/v1/certificates/20559000001/reissue", headers=login(client, "s1_manager"),
                       json={"reason": "x"}).status_code == 403
    assert client.get("/api/v1/verify/20559000002?name=学生2").get_json() == {"valid": False}
    assert client.get("/api/v1/verify/20559000004?name=学生2").get_json()["valid"] is True
