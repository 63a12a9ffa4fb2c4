"""The contracts between services (services/common/contracts.py, events.CONTRACTS): every producer's real
payload matches its declaration, every consumer reads only declared fields, a field a consumer reads
cannot be dropped by its producer or from its declaration unnoticed, and versions let old and new
services run side by side."""
import datetime as dt
import importlib
from collections import namedtuple
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from deploy.processes import SERVICE_CLASSES
from services.common import contracts, events, handlers
from services.common.contracts import SNAPSHOT, ContractError, problems
from services.common.messaging import Messaging
from services.grading import sql_verify, verification
from services.grading.service import GradingService
from services.numbering import allocation
from services.numbering.service import NumberingService
from services.printing import cups, jobs, submission
from services.review import actions, intake, reverification, verdicts
from services.review.service import ReviewService
from services.roster import graduates
from tests.support import contract_reads
from tests.unit.service_fakes import FakeDb

REGISTRY_ENTRY = {  # a roster.students row as match_registry reads it (with its major's name and the photo flag)
    "id_number": "610525200801010013", "name": "李强", "student_no": "2023001", "gender": "男",
    "birth_date": dt.date(2008, 1, 1), "political_status": None, "major_code": "710201", "major_name": "计算机应用",
    "schooling_years": 3, "education_level": "中专", "enrolled_month": "2023-09", "class_name": "计算机1班",
    "status": "在籍", "enrollment_category": "统招", "enrollment_seq": 1, "has_photo": True}
REVIEW = {"id": "r1", "generation": 2, "school_code": "S1", "school_name": "临渭职专", "year": 2026,
          "stamping_unit_code": "05"}
ACTOR = {"username": "li", "name": "李老师", "phone": "13800000000", "org_name": "临渭职专"}


def listed(n: int) -> list[dict]:
    """Rows of a list as roster gives them to review: the first `n - 1` found in the registry, the last not."""
    rows = []
    for i in range(1, n + 1):
        number = f"61052520080101{i:04d}"
        rows.append({"row": i + 1, "seq": i, "name": f"学生{i}", "gender": "男", "id_number": number, "id_valid": True,
                     "category": "统招", "mode": "就业" if i != 2 else "升学", "reasons": [], "list_reasons": [],
                     "student": graduates.snapshot({**REGISTRY_ENTRY, "id_number": number}) if i < n else None})
    return rows


Grouped = namedtuple("Grouped", "n category conduct graded weighted hours counted total problems")
PlanSize = namedtuple("PlanSize", "major_code cohort items")
FAILED = ["数学", "公共基础课", "1", "50", None, None, None]


def verified_for_real(students: list[dict]) -> list[dict]:
    """sql_verify's verdicts, from what its queries would answer: the first student passed everything,
    the second failed a course, the others have no plan."""
    plans = [PlanSize(s["major_code"], s["cohort"], 4) for s in students[:2]]
    answer = [Grouped(1, "公共基础课", False, 2, 850.0, 10.0, 2, 170.0, None),
              Grouped(1, "实习", False, 1, 880.0, 10.0, 1, 88.0, None),
              Grouped(1, "德育", True, 1, 90.0, 1.0, 1, 90.0, None),
              Grouped(2, "公共基础课", False, 4, None, None, 0, None, [FAILED])]

    def execute(statement, params=None):
        answers = {sql_verify.PLAN_SIZES: plans, sql_verify.QUERY: answer}
        return None if params is None else answers.get(statement.text, [])

    session = MagicMock()
    session.execute.side_effect = execute
    return sql_verify.verify_students(session, "S1", students)


def sent(db: FakeDb) -> list[tuple[str, dict]]:
    """The events a service added, as they go out: checked by Messaging.add_event's own rule, with the
    envelope a consumer receives."""
    return [(event, {**events.stamped(event, payload), "event_id": f"e{i}"})
            for i, ((_, event, payload), _) in enumerate(db.add_event.call_args_list)]


@pytest.fixture(scope="module")
def produced() -> dict[str, list[dict]]:
    """Every declared event as its real producer makes it, each fed what the one before produced."""
    mp = pytest.MonkeyPatch()
    out: dict[str, list[dict]] = {}

    def keep(pairs):
        for event, payload in pairs:
            out.setdefault(event, []).append(payload)
        return pairs

    try:
        rows = listed(4)
        review = worker_factory(ReviewService, db=FakeDb())
        mp.setattr(intake, "open_review", lambda session, request, rows: {
            "review_id": "r1", "generation": 2, "to_verify": intake.to_verify(rows)})
        review.create_review({"school_code": "S1"}, rows)
        mp.setattr(reverification, "reverify", lambda session, review_id, generation, rows, scope, actor: {
            "review_id": review_id, "generation": generation + 1, "school_code": "S1", "reverified": len(rows),
            "to_verify": intake.to_verify(rows)})
        review.reverify("r1", rows, "all", ACTOR, 2)
        [(_, imported), _] = keep(sent(review.db))

        grading = worker_factory(GradingService, db=FakeDb())
        mp.setattr(verification, "cut", lambda session, review_id, generation, school_code, students, size: [0])
        grading.on_graduate_list_imported(imported)
        [(_, ready)] = keep(sent(grading.db))
        grading = worker_factory(GradingService, db=FakeDb())
        mp.setattr(verification, "verify_chunk", lambda session, *key: verified_for_real(imported["rows"]))
        grading.verify_chunk(ready)
        [(_, chunk)] = keep(sent(grading.db))

        review = worker_factory(ReviewService, db=FakeDb())
        mp.setattr(verdicts, "apply_chunk", lambda session, payload: True)
        review.on_chunk_verified(chunk)
        keep(sent(review.db))

        graduates_table = MagicMock()  # review.graduates as approved_payload and graduated_payload read it
        Qualified = namedtuple("Qualified", "seq row id_number name major_name")
        graduates_table.execute.return_value.all.return_value = [
            Qualified(1, 2, "610525200801010001", "学生1", "计算机应用"),
            Qualified(3, 4, "610525200801010003", "学生3", "计算机应用")]
        graduates_table.execute.return_value.scalars.return_value.all.return_value = ["610525200801010001"]
        for step in actions.STEPS.values():
            if step.announces:
                payload = step.announces.payload(graduates_table, REVIEW)
                keep([(step.announces.event, {**events.stamped(step.announces.event, payload), "event_id": "e"})])

        numbering = worker_factory(NumberingService, db=FakeDb())
        numbering.db.prepare_session = lambda session: setattr(
            session.execute.return_value.scalar_one, "return_value", 0)  # the review holds no numbers yet
        holder = {"number": "20250500007", "school_name": "临渭职专", "issue_date": "2025-07-01"}
        mp.setattr(allocation, "holders", lambda session, ids: {ids[0]: holder})
        mp.setattr(allocation, "reserve", MagicMock(return_value=1))
        mp.setattr(allocation, "execute_values", MagicMock())
        numbering.on_review_approved(out[events.REVIEW_APPROVED][0])
        keep(sent(numbering.db))

        printing_db = FakeDb()
        mp.setattr(cups, "printer_exists", lambda name: True)
        mp.setattr(jobs, "create", lambda *args: "job-1")
        submission.to_local_cups(printing_db, submission.PrintRequest({"id": "r1", "school_code": "S1"}, "office",
                                                                      "forms", {}), None, ACTOR)
        keep(sent(printing_db))
    finally:
        mp.undo()
    return out


# (1) producers ------------------------------------------------------------------------------------

def test_every_event_is_declared_with_its_fields_and_version():
    names = {v for k, v in vars(events).items() if k.isupper() and isinstance(v, str)}
    assert names == set(events.CONTRACTS)
    for contract in events.CONTRACTS.values():
        assert contract.version in contract.accepts and contracts.fields(contract.shape)
    assert [(f.name, f.items) for f in contracts.fields(contracts.ChunkVerified) if f.items] == [
        ("results", contracts.Verdict)]
    assert [f.items for f in contracts.fields(contracts.Verdict) if f.items] == [contracts.Scores]


def test_every_producer_sends_what_its_event_declares(produced):
    assert set(produced) == set(events.CONTRACTS), "a producer of every event is driven here"
    for event, payloads in produced.items():
        for payload in payloads:
            assert problems(events.CONTRACTS[event].shape, payload) == [], event
            assert payload["v"] == events.CONTRACTS[event].version


def test_the_samples_hold_every_nested_shape(produced):
    assert len(produced[events.GRADUATE_LIST_IMPORTED][0]["rows"]) == 3, "the row not in the registry is not sent"
    [chunk] = produced[events.CHUNK_VERIFIED]
    assert [r["qualified"] for r in chunk["results"]] == [True, False, False]
    assert chunk["results"][0]["scores"]["overall"] == 86.5
    [numbered] = produced[events.CERTIFICATES_NUMBERED]
    assert numbered["count"] == 1 and [r["row"] for r in numbered["refused"]] == [2]


def test_roster_snapshot_is_the_declared_one_with_its_version():
    snapshot = graduates.snapshot(REGISTRY_ENTRY)
    assert problems(SNAPSHOT.shape, snapshot) == [] and snapshot["v"] == SNAPSHOT.version
    assert snapshot["political_status"] == "" and snapshot["cohort"] == 2023


def test_a_producer_sending_what_is_not_declared_is_stopped_before_the_outbox():
    session = MagicMock()
    outbox = Messaging("review")
    with pytest.raises(ContractError, match="chunk_no: missing"):
        outbox.add_event(session, events.CHUNK_READY, {"review_id": "r1", "generation": 1})
    with pytest.raises(ContractError, match="chunk_no: expected int, got str"):
        outbox.add_event(session, events.CHUNK_READY, {"review_id": "r1", "generation": 1, "chunk_no": "0"})
    with pytest.raises(ContractError, match="urgent: not declared"):
        outbox.add_event(session, events.CHUNK_READY, {"review_id": "r1", "generation": 1, "chunk_no": 0,
                                                       "urgent": True})
    session.execute.assert_not_called()
    event_id = outbox.add_event(session, events.CHUNK_READY, {"review_id": "r1", "generation": 1, "chunk_no": 0})
    [call] = session.execute.call_args_list
    assert call.args[0].compile().params["payload"] == {"review_id": "r1", "generation": 1, "chunk_no": 0, "v": 1,
                                                        "event_id": event_id}


def test_messages_outside_the_contracts_go_as_they_are():
    """A print site's job message (to print agents) and the messaging tests' probe."""
    assert events.stamped("print-site-7", {"job_id": "j", "token": "t"}) == {"job_id": "j", "token": "t"}


# (2) consumers ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def reads() -> set[contract_reads.Read]:
    return contract_reads.find_reads()


def test_every_field_a_consumer_reads_is_declared(reads):
    assert contract_reads.wrong_reads(reads, contract_reads.declared_fields()) == []


def test_the_reads_of_every_consumer_are_found(reads):
    """Not an empty check: every handler's payload, the nested items, the stored snapshot in SQL and
    in Python, and the gateway's reading of it."""
    shapes = {r.shape for r in reads}
    handled = {events.CONTRACTS[s.event_type].shape for s in events.SUBSCRIPTIONS}
    assert handled | {contracts.ListedRow, contracts.Verdict, contracts.Scores, contracts.ApprovedStudent,
                      contracts.Refusal, contracts.RegistrySnapshot} <= shapes
    found = {(r.where.split(":")[0], r.shape, r.field, r.how) for r in reads}
    assert {("services/review/views.py", contracts.RegistrySnapshot, "schooling_years", "sql"),
            ("services/review/views.py", contracts.RegistrySnapshot, "schooling_years", "[]"),
            ("services/review/locks.py", contracts.RegistrySnapshot, "cohort", "sql"),
            ("services/review/intake.py", contracts.RegistrySnapshot, "major_code", "[]"),
            ("gateway/api/reviews.py", contracts.RegistrySnapshot, "cohort", "[]"),
            ("services/grading/sql_verify.py", contracts.ListedRow, "mode", "[]"),
            ("services/numbering/allocation.py", contracts.ApprovedStudent, "row", ".get"),
            ("services/review/actions.py", contracts.Refusal, "reason", "[]"),
            ("services/review/verdicts.py", contracts.Verdict, "scores", "sql")} <= found


# (3) dropping a field a consumer reads --------------------------------------------------------------

def without(value, shape: type, target: type, field: str):
    """A copy of `value` (of `shape`) with `field` taken out of every `target` within it."""
    if not isinstance(value, dict):
        return value
    out = {k: v for k, v in value.items() if not (shape is target and k == field)}
    for f in contracts.fields(shape):
        if f.items is not None and f.name in out:
            inner = out[f.name]
            out[f.name] = ([without(v, f.items, target, field) for v in inner] if isinstance(inner, list)
                           else without(inner, f.items, target, field))
    return out


def test_a_producer_dropping_any_field_a_consumer_needs_fails(produced, reads):
    samples = [(events.CONTRACTS[e].shape, p) for e, ps in produced.items() for p in ps]
    samples.append((SNAPSHOT.shape, graduates.snapshot(REGISTRY_ENTRY)))
    needed = {(r.shape, r.field) for r in reads if r.field not in contracts.ENVELOPE}
    for shape, field in needed:
        dropped = [without(p, root, shape, field) for root, p in samples]
        changed = [(root, d) for (root, p), d in zip(samples, dropped, strict=True) if d != p]
        assert changed, f"no sample holds {shape.__name__}.{field}"
        for root, payload in changed:
            assert problems(root, payload), f"{root.__name__} without {shape.__name__}.{field} passed"


def test_a_field_dropped_from_a_declaration_names_its_readers(reads):
    declared = contract_reads.declared_fields()
    before = set(contract_reads.wrong_reads(reads, declared))
    for shape, field in {(r.shape, r.field) for r in reads if r.field not in contracts.ENVELOPE}:
        wrong = set(contract_reads.wrong_reads(reads, {**declared, shape: declared[shape] - {field}})) - before
        assert wrong and all(f": {shape.__name__}.{field} (" in w for w in wrong), (shape, field)


def test_roster_renaming_schooling_years_is_caught_on_both_sides(reads):
    """The issue's case: renamed in roster, it would break review's summary (SQL) and major tables silently."""
    renamed = {k: v for k, v in graduates.snapshot(REGISTRY_ENTRY).items() if k not in ("v", "schooling_years")}
    with pytest.raises(ContractError, match="schooling_years: missing; years: not declared"):
        SNAPSHOT.stamped({**renamed, "years": 3})
    declared = contract_reads.declared_fields()
    declared[contracts.RegistrySnapshot] = declared[contracts.RegistrySnapshot] - {"schooling_years"} | {"years"}
    readers = {w.split(":")[0] for w in contract_reads.wrong_reads(reads, declared) if ".schooling_years (" in w}
    assert readers == {"services/review/views.py"}


# (4) versions -------------------------------------------------------------------------------------

def service_of(subscription: events.Subscription):
    module = importlib.import_module(f"services.{subscription.service}.service")
    return worker_factory(getattr(module, SERVICE_CLASSES[subscription.service]), db=FakeDb())


@pytest.mark.parametrize("subscription", events.SUBSCRIPTIONS, ids=lambda s: f"{s.service}.{s.method}")
def test_a_newer_version_is_refused_as_a_domain_error(subscription, monkeypatch):
    logged = MagicMock()
    monkeypatch.setattr(handlers.log, "error", logged)
    worker = service_of(subscription)
    assert getattr(worker, subscription.method)({"event_id": "e9", "v": 2}) is None
    first, second = worker.db.sessions
    assert worker.db.committed == [second], "the effect rolled back, the event recorded as handled"
    assert [c.args[1:] for c in worker.db.claim.call_args_list] == [("e9", f"{subscription.service}."
                                                                             f"{subscription.method}")] * 2
    worker.db.add_event.assert_not_called()
    assert "v=2" in logged.call_args.args[-1]


def test_an_old_producers_payload_and_unknown_fields_are_read(produced, monkeypatch):
    """A payload from before versions were stamped (no `v`), and one from a newer producer that added
    fields (top level and nested): both are numbered."""
    approved = produced[events.REVIEW_APPROVED][0]
    monkeypatch.setattr(allocation, "holders", lambda session, ids: {})
    monkeypatch.setattr(allocation, "reserve", MagicMock(return_value=1))
    monkeypatch.setattr(allocation, "execute_values", MagicMock())
    legacy = {k: v for k, v in approved.items() if k != "v"}
    newer = {**approved, "event_id": "e2", "priority": "high",
             "students": [{**s, "photo_url": "/photos/1.jpg"} for s in approved["students"]]}
    for payload in (legacy, newer):
        worker = worker_factory(NumberingService, db=FakeDb())
        worker.db.prepare_session = lambda session: setattr(session.execute.return_value.scalar_one,
                                                            "return_value", 0)
        worker.on_review_approved(payload)
        [(_, event, numbered)] = [c.args for c in worker.db.add_event.call_args_list]
        assert event == events.CERTIFICATES_NUMBERED and numbered["count"] == 2


def test_a_new_version_is_rolled_out_by_reading_both_first():
    reading_both = contracts.Contract(contracts.ChunkReady, version=1, accepts=frozenset({1, 2}))
    for payload in ({"v": 1}, {"v": 2}, {}):
        reading_both.check_version(payload)
    stamping_new = contracts.Contract(contracts.ChunkReady, version=2, accepts=frozenset({1, 2}))
    assert stamping_new.stamped({"review_id": "r", "generation": 1, "chunk_no": 0})["v"] == 2
    with pytest.raises(contracts.UnknownVersion):
        events.CONTRACTS[events.CHUNK_READY].check_version({"v": 2})
