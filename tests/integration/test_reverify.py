"""重新核验 through the real API and services: after the school imports missing grades or corrects its
registry, the list the review holds is verified again, with no new list; row numbers stay, and the
review says who changed verdict. People 6800–6899, years 2098–2099."""
import uuid

import pytest
import sqlalchemy as sa
from nameko.exceptions import RpcTimeout, UnknownService
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy.orm import Session

from services.common.errors import Conflict
from services.common.idnumber import mask
from services.review import actions, reverification
from services.roster import graduates
from services.roster.graduates import NOT_FOUND
from tests.support.courses import PLAN, plan_rows
from tests.support.gateway import login
from tests.support.people import graduate_row, student_row
from tests.support.season import MAJORS, approve_all_majors, verified_view
from tests.support.uploads import upload
from tests.support.verdict_counts import mismatched_counts
from tests.support.wait import until
from tests.support.workbooks import xlsx

FAILED_TERM = ("体育与健康", 2)


def students_of(numbers) -> list[dict]:
    return [student_row(n, 专业代码=MAJORS[n % 2][0], 专业名称=MAJORS[n % 2][1]) for n in numbers]


def register(client, manager: dict, school: str, students: list[dict]) -> None:
    r = upload(client, f"/api/v1/schools/{school}/students", manager, xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()


def grade(client, manager: dict, school: str, students: list[dict], failed: tuple | None = None) -> None:
    """Every planned course-term a pass (88); `failed` (course, term) a fail (50)."""
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term,
                "score": "50" if (course, term) == failed else "88"}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{school}/grades", headers=manager, json={"grades": records})
    assert r.status_code == 200, r.get_json()


def season_of(client, manager: dict, school: str, numbers, year: int, season: str = "春季",
              ungraded=(), listed_as: dict | None = None) -> tuple[str, list[dict]]:
    """A verified review of these students; those numbered in `ungraded` have no grades at all;
    `listed_as` {number: {column: value}} writes a student's row of the list otherwise."""
    students = students_of(numbers)
    register(client, manager, school, students)
    plans = [row for code, _ in MAJORS for row in plan_rows(major=code)]
    r = upload(client, f"/api/v1/schools/{school}/course-plans", manager, xlsx(plans), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    grade(client, manager, school, [s for n, s in zip(numbers, students, strict=True) if n not in ungraded])
    rows = [graduate_row(s, **(listed_as or {}).get(n, {})) for n, s in zip(numbers, students, strict=True)]
    r = upload(client, "/api/v1/reviews", manager, xlsx(rows), "名单.xlsx", school_code=school, year=str(year),
               season=season, kind="正常验印", rebuild="false")
    assert r.status_code == 202, r.get_json()
    verified_view(client, manager, r.get_json()["review_id"])
    return r.get_json()["review_id"], students


def reverify(client, headers: dict, review_id: str, **body):
    return client.post(f"/api/v1/reviews/{review_id}/reverify", headers=headers, json=body or None)


def view_of(client, headers: dict, review_id: str) -> dict:
    return client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()


def verified_again(client, headers: dict, review_id: str, generation: int) -> dict:
    view = verified_view(client, headers, review_id)
    assert view["generation"] == generation
    return view


def stored(engine, review_id: str) -> dict[str, dict]:
    """The review's list by name: row, seq, generation, verdict, scores, previous."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT name, row, seq, id_number, generation, verdict, scores, previous FROM review.graduates "
            "WHERE review_id = :id"), {"id": review_id}).mappings().all()
    return {r["name"]: dict(r) for r in rows}


def list_events(engine, review_id: str) -> list[dict]:
    """The GRADUATE_LIST_IMPORTED events of the review in its outbox, oldest first."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT payload, created_at FROM review.outbox WHERE event_type = 'graduate_list_imported' "
            "AND payload->>'review_id' = :id ORDER BY id"), {"id": review_id}).mappings()]


def reverify_history(engine, review_id: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT at, reason, from_status, to_status FROM review.history WHERE review_id = :id "
            "AND action = 'reverify' ORDER BY id"), {"id": review_id}).mappings()]


def test_missing_grades_imported_then_the_unqualified_verified_again(client, province, stack, engine):
    manager = login(client, "s1_manager")
    numbers = range(6800, 6804)
    review_id, students = season_of(client, manager, "S1", numbers, 2098, ungraded={6802, 6803})
    before = view_of(client, manager, review_id)
    assert before["qualified"] == 2 and [u["name"] for u in before["unqualified"]] == ["学生6802", "学生6803"]
    assert before["changed"] == []
    approve_all_majors(client, manager, review_id)
    list_before = stored(engine, review_id)

    grade(client, manager, "S1", students[2:])  # the school imports the missing grades
    grade(client, manager, "S1", students[1:2], failed=FAILED_TERM)  # and a qualified student's fail
    r = reverify(client, manager, review_id)  # scope "unqualified" by default
    assert r.status_code == 202, r.get_json()
    answered = r.get_json()
    assert answered["generation"] == before["generation"] + 1
    assert "actions" in answered and all("*" in u["id_number"] for u in answered["unqualified"])
    assert answered["history"][-1]["action"] == "reverify"
    assert answered["history"][-1]["reason"] == "重新核验不合格学生2人（成绩或学籍修改后）"

    after = verified_again(client, manager, review_id, before["generation"] + 1)
    assert after["qualified"] == 4 and after["unqualified"] == []
    assert {m["status"] for m in after["majors"]} == {"pending"}  # the list changed: tables confirmed again
    assert [(c["row"], c["name"], c["from"], c["to"]) for c in after["changed"]] == [
        (list_before[n]["row"], n, "unqualified", "qualified") for n in ("学生6802", "学生6803")]
    assert all(c["reasons"] == ["各类课程都无成绩，须补录"] for c in after["changed"])
    assert not any("id_number" in c for c in after["changed"])

    list_after = stored(engine, review_id)
    assert {n: (r["row"], r["seq"], r["id_number"]) for n, r in list_after.items()} == \
           {n: (r["row"], r["seq"], r["id_number"]) for n, r in list_before.items()}
    assert {r["generation"] for r in list_after.values()} == {before["generation"] + 1}
    for name in ("学生6800", "学生6801"):  # qualified: carried over untouched, though 6801 now fails a term
        assert list_after[name]["verdict"] == "qualified" and list_after[name]["previous"] is None
        assert list_after[name]["scores"] == list_before[name]["scores"]

    event = list_events(engine, review_id)[-1]  # grading got only the rows verified again
    assert event["payload"]["generation"] == after["generation"]
    assert sorted(r["name"] for r in event["payload"]["rows"]) == ["学生6802", "学生6803"]
    # The state change and its event commit in one transaction: now() is the transaction's start, and
    # the history entry and the outbox row both hold it. A kill after commit (below) finds both.
    assert event["created_at"] == reverify_history(engine, review_id)[-1]["at"]
    with engine.connect() as conn:
        logged = conn.execute(sa.text(
            "SELECT rows, username FROM roster.imports WHERE school_code = 'S1' AND kind = 'graduates' "
            "AND filename = '重新核验' AND details->>'review_id' = :id"), {"id": review_id}).all()
    assert [tuple(r) for r in logged] == [(2, "s1_manager")]


def test_scope_all_verifies_everyone_again(client, province, stack, engine):
    manager = login(client, "s1_manager")
    review_id, students = season_of(client, manager, "S1", range(6810, 6814), 2098, season="秋季",
                                    listed_as={6813: {"毕业方式": "出国"}})  # the list's own cell is wrong
    before = view_of(client, manager, review_id)
    assert before["qualified"] == 3
    [wrong_cell] = before["unqualified"]
    assert wrong_cell["name"] == "学生6813" and "毕业方式" in wrong_cell["reasons"][0]
    list_before = stored(engine, review_id)
    grade(client, manager, "S1", students[1:2], failed=FAILED_TERM)

    r = reverify(client, manager, review_id, scope="all")
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["history"][-1]["reason"] == "重新核验全部学生4人（成绩或学籍修改后）"
    after = verified_again(client, manager, review_id, before["generation"] + 1)
    assert after["qualified"] == 2
    assert {u["name"]: u["reasons"] for u in after["unqualified"]}["学生6813"] == wrong_cell["reasons"]  # kept
    [changed] = after["changed"]
    assert (changed["row"], changed["name"], changed["from"], changed["to"]) == \
           (list_before["学生6811"]["row"], "学生6811", "qualified", "unqualified")
    assert any("体育与健康" in reason for reason in changed["reasons"])
    list_after = stored(engine, review_id)
    assert {n: r["previous"]["verdict"] for n, r in list_after.items()} == {
        "学生6810": "qualified", "学生6811": "qualified", "学生6812": "qualified", "学生6813": "unqualified"}
    assert {n: (r["row"], r["seq"]) for n, r in list_after.items()} == \
           {n: (r["row"], r["seq"]) for n, r in list_before.items()}
    assert len(list_events(engine, review_id)[-1]["payload"]["rows"]) == 4
    assert mismatched_counts(engine) == []


def test_a_student_the_registry_no_longer_holds_becomes_unqualified(client, province, stack, engine):
    manager = login(client, "s2_manager")
    review_id, students = season_of(client, manager, "S2", range(6820, 6823), 2098)
    before = view_of(client, manager, review_id)
    assert before["qualified"] == 3
    r = reverify(client, manager, review_id)  # scope "unqualified": there is no one to verify again
    assert r.status_code == 409 and "没有不合格的学生" in r.get_json()["error"]["message"]
    # The registry corrects one student's name (the list's no longer matches) and another transferred out.
    register(client, manager, "S2", [{**students[0], "姓名": "学生甲"}, {**students[1], "学籍状态": "转出"}])

    assert reverify(client, manager, review_id, scope="all").status_code == 202
    after = verified_again(client, manager, review_id, before["generation"] + 1)
    reasons = {u["name"]: u["reasons"] for u in after["unqualified"]}
    assert reasons == {"学生6820": [NOT_FOUND], "学生6821": ["学籍状态为“转出”，不能毕业"]}
    assert [(c["name"], c["from"], c["to"], c["reasons"]) for c in after["changed"]] == [
        ("学生6820", "qualified", "unqualified", [NOT_FOUND]),
        ("学生6821", "qualified", "unqualified", ["学籍状态为“转出”，不能毕业"])]
    # the row not found is settled at intake: grading is sent only the others
    assert sorted(r["name"] for r in list_events(engine, review_id)[-1]["payload"]["rows"]) == ["学生6821", "学生6822"]


def test_a_student_numbered_meanwhile_is_unqualified_and_audited(client, province, stack, engine, amqp_uri):
    manager = login(client, "s4_manager")
    review_id, students = season_of(client, manager, "S4", range(6850, 6852), 2099)
    rows = {n: r["row"] for n, r in stored(engine, review_id).items()}
    # Another review of the province got 6850 a number meanwhile (its approval, as numbering receives it).
    other = str(uuid.uuid4())
    event_dispatcher({"AMQP_URI": amqp_uri})("review", "review_approved", {
        "event_id": str(uuid.uuid4()), "review_id": other, "generation": 1, "school_code": "S-OTHER",
        "school_name": "别的学校", "year": 2099, "stamping_unit_code": "98",
        "students": [{"seq": 1, "row": 2, "id_number": students[0]["身份证号"], "name": "学生6850",
                      "major_name": "计算机应用"}]})
    until(lambda: holders(engine, students[0]["身份证号"]), what="the number issued")

    assert reverify(client, manager, review_id, scope="all").status_code == 202
    after = verified_again(client, manager, review_id, 2)
    [reason] = {u["name"]: u["reasons"] for u in after["unqualified"]}["学生6850"]
    assert reason.startswith("该生已有有效毕业证书（编号20999800001，别的学校，")
    with engine.connect() as conn:
        audited = conn.execute(sa.text(
            "SELECT username, details FROM accounts.audit_log WHERE action = 'certificate.listed_again' "
            "AND target = :t"), {"t": review_id}).mappings().all()
    assert [(a["username"], a["details"]["file"], a["details"]["rows"]) for a in audited] == [
        ("s4_manager", "重新核验", [{"row": rows["学生6850"], "holds": "20999800001",
                                  "id_number": mask(students[0]["身份证号"])}])]


def holders(engine, id_number: str) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT number FROM numbering.certificates WHERE id_number = :i"),
                            {"i": id_number}).scalars().all()


def unchanged(engine, review_id: str, generation: int, history: int) -> bool:
    with engine.connect() as conn:
        now = conn.execute(sa.text(
            "SELECT generation, (SELECT count(*) FROM review.history WHERE review_id = :id) AS history "
            "FROM review.reviews WHERE id = :id"), {"id": review_id}).one()
    return tuple(now) == (generation, history)


def test_refused_requests_change_nothing(client, province, stack, engine):
    manager = login(client, "s1_manager")
    review_id, _ = season_of(client, manager, "S1", range(6830, 6832), 2099, ungraded={6831})
    before = view_of(client, manager, review_id)
    generation, history = before["generation"], len(before["history"])

    for username, status in (("linwei_reviewer", 403), ("s1_clerk", 403), ("s2_manager", 404)):
        r = reverify(client, login(client, username), review_id)
        assert r.status_code == status, (username, r.get_json())
        assert r.get_json()["error"]["message"]
    assert reverify(client, manager, review_id, scope="some").status_code == 400
    assert unchanged(engine, review_id, generation, history)
    actor = {"username": "s1_manager", "name": "x", "phone": "x", "org_code": "S1", "org_name": "x",
             "roles": ["school_graduation_manager"]}
    with Session(engine) as session, pytest.raises(Conflict, match="/reverify"):
        actions.act(session, review_id, "reverify", actor)  # it runs through roster, never as a plain action

    stack["grading"].stop()  # nothing verifies: the review stays 正在核验
    try:
        r = reverify(client, manager, review_id, scope="all")
        assert r.status_code == 202, r.get_json()
        running = r.get_json()
        assert running["verification"]["state"] == "running"
        assert "reverify" in [b["action"] for b in running["blocked"]]
        r = reverify(client, manager, review_id, scope="all")
        assert r.status_code == 409 and "核验尚未完成" in r.get_json()["error"]["message"]
        assert unchanged(engine, review_id, generation + 1, history + 1)
    finally:
        stack["grading"].start()
    verified_again(client, manager, review_id, generation + 1)

    approve_all_majors(client, manager, review_id)
    submitted = client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager)
    assert submitted.status_code == 200, submitted.get_json()
    r = reverify(client, manager, review_id)
    assert r.status_code == 409 and "不能重新核验" in r.get_json()["error"]["message"]
    assert unchanged(engine, review_id, generation + 1, len(submitted.get_json()["history"]))


def test_a_list_changed_between_the_two_halves_is_refused(client, province, stack, engine):
    """Roster matched the rows `listed` gave; if the list the review holds changed meanwhile (a rebuild,
    another 重新核验, a verdict that moved a row in or out of the scope), the second half stores nothing."""
    manager = login(client, "s2_manager")
    review_id, _ = season_of(client, manager, "S2", range(6860, 6863), 2099, ungraded={6862})
    view = view_of(client, manager, review_id)
    generation, history = view["generation"], len(view["history"])
    actor = {"username": "s2_manager", "name": "x", "phone": "x", "org_code": "S2", "org_name": "x",
             "roles": ["school_graduation_manager"]}
    with Session(engine) as session:
        listed = reverification.listed(session, review_id, "all", actor)["rows"]
    assert len(listed) == 3
    for rows, at in ((listed[:2], generation), (listed + [{**listed[0], "row": 99}], generation),
                     (listed, generation - 1)):
        with Session(engine) as session, session.begin(), pytest.raises(Conflict, match="名单在此期间"):
            reverification.reverify(session, review_id, at, rows, "all", actor)
    assert unchanged(engine, review_id, generation, history)


def test_killed_after_commit_the_event_is_sent_on_restart(client, province, stack, spawn, engine, amqp_uri):
    """The review process dies between its commit and its relay: the new generation and its event were
    committed together, and the restarted process sends the event, so the list is verified."""
    manager = login(client, "s3_manager")
    review_id, students = season_of(client, manager, "S3", range(6840, 6842), 2099, ungraded={6841})
    generation = view_of(client, manager, review_id)["generation"]
    grade(client, manager, "S3", students[1:])
    actor = {"username": "s3_manager", "name": "s3_manager的姓名", "phone": "0913-1234567", "org_code": "S3",
             "org_name": "陕西省直属职业学院附属中专", "roles": ["school_graduation_manager"]}
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as rpc:
        listed = rpc.review.reverify_list(review_id, "unqualified", actor)
    rows = listed["rows"]
    with Session(engine) as session:  # what roster does with them (no certificate is held)
        graduates.match_registry(session, "S3", rows)
    assert [r["name"] for r in rows if r["student"]] == ["学生6841"]

    stack["review"].stop()
    try:
        doomed = spawn("services.review.service:ReviewService", "review", "services/review/config.yml",
                       label="review-doomed", extra_env={"FAULTS": "after_commit"})
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=3) as short, \
                pytest.raises((RpcTimeout, UnknownService)):
            short.review.reverify(review_id, rows, "unqualified", actor, generation)
        assert doomed.wait_exit() == 137
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT generation FROM review.reviews WHERE id = :id"),
                                {"id": review_id}).scalar_one() == generation + 1
        event = list_events(engine, review_id)[-1]
        assert event["payload"]["generation"] == generation + 1 and len(event["payload"]["rows"]) == 1
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT published_at FROM review.outbox WHERE payload->>'event_id' = :e"),
                                {"e": event["payload"]["event_id"]}).scalar_one() is None
    finally:
        stack["review"].start()
    until(lambda: list_events_published(engine, review_id), what="the event relayed after the restart")
    after = verified_again(client, manager, review_id, generation + 1)
    assert after["qualified"] == 2 and [(c["name"], c["to"]) for c in after["changed"]] == [("学生6841", "qualified")]
    # The same request again (a retry, or the RPC redelivered to the restarted process) is refused: its
    # list is of the generation before. Nothing is verified twice.
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as rpc, pytest.raises(Conflict, match="刷新页面"):
        rpc.review.reverify(review_id, rows, "unqualified", actor, generation)
    assert len(list_events(engine, review_id)) == 2


def list_events_published(engine, review_id: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT bool_and(published_at IS NOT NULL) FROM review.outbox "
            "WHERE event_type = 'graduate_list_imported' AND payload->>'review_id' = :id"), {"id": review_id}
        ).scalar_one()
