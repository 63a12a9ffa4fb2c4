"""The numbering service's entry points without servers (worker_factory): what reaches allocation, what is
recorded and announced. Real numbering is in tests/integration/test_numbering.py."""
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy.dialects import postgresql

from services.common import events
from services.numbering import allocation
from services.numbering.service import NumberingService
from tests.unit.service_fakes import FakeDb

APPROVAL = {"event_id": "e1", "review_id": "r1", "school_code": "S1", "school_name": "临渭职专",
            "stamping_unit_code": "01", "year": 2026, "students": [
                {"row": 2, "seq": 1, "id_number": "610525200801010013", "name": "李强", "major_name": "计算机应用"}]}
ACTOR = {"username": "li"}


def refusal(seq: int) -> dict:
    return {"row": seq + 1, "seq": seq, "name": "王芳", "id_number": "610525200801010021", "reason": "已持有证书",
            "holder": {"number": "20250100007", "school_name": "临渭职专", "issue_date": "2025-07-01"}}


@pytest.fixture
def service():
    return worker_factory(NumberingService, db=FakeDb())


@pytest.fixture
def allocate(monkeypatch):
    allocated = MagicMock(return_value=allocation.Allocation(3, [refusal(2)]))
    monkeypatch.setattr(allocation, "allocate", allocated)
    return allocated


def test_an_approval_is_numbered_and_announced_in_the_events_transaction(service, allocate):
    service.on_review_approved(APPROVAL)
    [session] = service.db.sessions
    service.db.claim.assert_called_once_with(session, "e1", "numbering.on_review_approved")
    allocate.assert_called_once_with(session, APPROVAL)
    service.db.add_event.assert_called_once_with(session, events.CERTIFICATES_NUMBERED, {
        "review_id": "r1", "count": 3, "refused": [{"row": 3, "seq": 2, "name": "王芳", "reason": "已持有证书"}]})
    assert service.db.committed == [session]


def test_only_refusals_are_announced_too_and_nothing_new_is_not(service, allocate):
    allocate.return_value = allocation.Allocation(0, [refusal(5)])
    service.on_review_approved(APPROVAL)
    assert service.db.add_event.call_args.args[2]["count"] == 0
    service.db.add_event.reset_mock()
    allocate.return_value = allocation.Allocation()  # numbered before
    service.on_review_approved({**APPROVAL, "event_id": "e2"})
    service.db.add_event.assert_not_called()


def test_an_approval_handled_before_is_not_numbered_again(service, allocate):
    service.db.claim.return_value = False
    service.on_review_approved(APPROVAL)
    allocate.assert_not_called()
    service.db.add_event.assert_not_called()


def test_running_out_of_numbers_is_recorded_for_the_review_not_announced(service, allocate):
    allocate.side_effect = allocation.SequenceExhausted("验印单位01的2026年证书编号已用完")
    service.on_review_approved(APPROVAL)
    [session] = service.db.sessions
    [call] = session.execute.call_args_list
    statement = call.args[0].compile(dialect=postgresql.dialect())
    assert str(statement).startswith("INSERT INTO numbering.failures") and "ON CONFLICT DO NOTHING" in str(statement)
    assert statement.params == {"review_id": "r1", "message": "验印单位01的2026年证书编号已用完"}
    service.db.add_event.assert_not_called()
    assert service.db.committed == [session]  # the event is handled: no retry would find more numbers


def test_a_reviews_certificates_come_with_its_numbering_failure(service, monkeypatch):
    of_review = MagicMock(return_value=[{"number": "20260100001"}])
    monkeypatch.setattr(allocation, "of_review", of_review)
    failure_rows = iter([{"message": "编号已用完"}, None])

    def failure_row(session):
        session.execute.return_value.mappings.return_value.first.return_value = next(failure_rows)

    service.db.prepare_session = failure_row
    assert service.certificates("r1") == {"certificates": [{"number": "20260100001"}], "failure": "编号已用完"}
    assert service.certificates("r1")["failure"] is None
    assert [c.args for c in of_review.call_args_list] == [(s, "r1") for s in service.db.sessions]
    query = service.db.sessions[0].execute.call_args.args[0].compile(dialect=postgresql.dialect())
    assert "FROM numbering.failures" in str(query) and list(query.params.values()) == ["r1"]


@pytest.mark.parametrize("method, args, call, answer", [
    ("reissue", ("20260100001", "姓名有误", ACTOR), ("reissue", "20260100001", "姓名有误", "li"),
     {"number": "20260100009", "replaces": "20260100001"}),
    ("void", ("20260100001", "误发", ACTOR), ("void", "20260100001", "误发", "li"),
     {"number": "20260100001", "status": "void"}),
    ("verify", ("20260100001", "王芳"), ("verify", "20260100001", "王芳"), "verdict"),
    ("holders", (("6105", "6106"),), ("holders", ["6105", "6106"]), "verdict"),
    ("certificates_of_people", (("6105",),), ("of_people", ["6105"]), "verdict"),
])
def test_corrections_and_look_ups_pass_their_arguments_through(service, monkeypatch, method, args, call, answer):
    done = MagicMock(return_value="20260100009" if method == "reissue" else "verdict")
    monkeypatch.setattr(allocation, call[0], done)
    assert getattr(service, method)(*args) == answer
    [session] = service.db.sessions
    done.assert_called_once_with(session, *call[1:])
