"""One request followed through the real services by its id (X-Request-ID): a graduate-list upload's id in
the JSON log lines of the gateway, of roster and numbering (RPC), of review (RPC and event) and of grading
(event handlers), and in the outbox rows of the events it caused; a failed upload's 500 answer quotes the id
its log lines carry. The service logs in var/test-logs are shared with other test sessions: lines are
picked by the request's id, never by position. People 1900–1905, years 2072–2073, school S2."""
import io
import json
import logging
import uuid

import pytest
import sqlalchemy as sa

from services.common import logs
from tests.support.courses import PLAN, plan_rows
from tests.support.gateway import login
from tests.support.people import graduate_row, student_row
from tests.support.processes import log_since
from tests.support.season import MAJORS, verified_view
from tests.support.uploads import upload
from tests.support.wait import until
from tests.support.workbooks import xlsx

SCHOOL = "S2"
REVIEW = ("services.review.service:ReviewService", "review", "services/review/config.yml")
FIELDS = ("timestamp", "level", "logger", "message", "service", "correlation_id")


@pytest.fixture
def gateway_log():
    """The gateway's log lines in this process, written as gunicorn's logconfig_dict writes them (JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter("gateway"))
    logger = logging.getLogger("gateway")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.fixture(scope="module")
def school(app, province, stack) -> dict:
    """S2's registry, plans and passing grades for people 1900–1905; returns its manager's headers and the
    list's rows."""
    client = app.test_client()
    manager = login(client, "s2_manager")
    students = [student_row(n, 专业代码=MAJORS[n % 2][0], 专业名称=MAJORS[n % 2][1]) for n in range(1900, 1906)]
    r = upload(client, f"/api/v1/schools/{SCHOOL}/students", manager, xlsx(students), "学籍.xlsx")
    assert r.status_code == 200, r.get_json()
    plans = [row for code, _ in MAJORS for row in plan_rows(major=code)]
    r = upload(client, f"/api/v1/schools/{SCHOOL}/course-plans", manager, xlsx(plans), "课程设置.xlsx")
    assert r.status_code == 200, r.get_json()
    records = [{"id_number": s["身份证号"], "name": s["姓名"], "course": course, "term": term, "score": "88"}
               for s in students for course, _, terms, _ in PLAN for term in terms]
    r = client.post(f"/api/v1/schools/{SCHOOL}/grades", headers=manager, json={"grades": records})
    assert r.status_code == 200, r.get_json()
    return {"manager": manager, "rows": [graduate_row(s) for s in students]}


def upload_list(client, headers: dict, rows: list[dict], year: int):
    return upload(client, "/api/v1/reviews", headers, xlsx(rows), "名单.xlsx", school_code=SCHOOL, year=str(year),
                  season="春季", kind="正常验印")


def lines_of(proc, request_id: str) -> list[dict]:
    """The lines of this run of a service process that carry `request_id`: each one a JSON object."""
    found = []
    for line in log_since(proc.log_path, proc.log_offset).splitlines():
        if request_id in line:
            parsed = json.loads(line)  # not JSON: the test fails here
            assert all(field in parsed for field in FIELDS), parsed
            found.append(parsed)
    return [line for line in found if line["correlation_id"] == request_id]


def closing(lines: list[dict], entrypoint: str) -> dict | None:
    """The line a worker of `entrypoint` ended with (services.common.correlation.Correlation)."""
    return next((line for line in lines if line.get("entrypoint") == entrypoint), None)


def outbox_events(engine, schema: str, request_id: str) -> dict[str, list[str]]:
    """{event_type: [event_id]} of the events `schema`'s outbox holds with this correlation id."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT event_type, event_id::text FROM {schema}.outbox "
                                    "WHERE correlation_id = :c ORDER BY id"), {"c": request_id}).all()
    events: dict[str, list[str]] = {}
    for event_type, event_id in rows:
        events.setdefault(event_type, []).append(event_id)
    return events


def test_an_upload_is_followed_by_its_id_through_every_service(app, school, stack, engine, gateway_log):
    client = app.test_client()
    request_id = f"test-{uuid.uuid4()}"
    r = upload_list(client, {**school["manager"], "X-Request-ID": request_id}, school["rows"], 2072)
    assert r.status_code == 202, r.get_json()
    assert r.headers["X-Request-ID"] == request_id
    verified_view(client, school["manager"], r.get_json()["review_id"])

    # the gateway: the request's own line
    [line] = [x for x in gateway_log() if x["logger"] == "gateway.requests" and x["correlation_id"] == request_id]
    assert (line["service"], line["method"], line["path"], line["status"]) == (
        "gateway", "POST", "/api/v1/reviews", 202)

    # the events it caused were stored with its id: review's list event, grading's chunks and verdicts, and
    # review's word that the list is verified (stored by its handler of the verdicts)
    assert list(outbox_events(engine, "review", request_id)) == ["graduate_list_imported", "verification_completed"]
    chunks = outbox_events(engine, "grading", request_id)
    assert set(chunks) == {"chunk_ready", "chunk_verified"}

    def traced() -> dict | None:
        lines = {name: lines_of(stack[name], request_id) for name in ("roster", "numbering", "review", "grading")}
        wanted = {
            "roster.create_review": closing(lines["roster"], "roster.create_review"),  # the gateway's RPC
            "numbering.holders": closing(lines["numbering"], "numbering.holders"),  # roster's RPCs
            "review.create_review": closing(lines["review"], "review.create_review"),
            "grading.on_graduate_list_imported": closing(lines["grading"], "grading.on_graduate_list_imported"),
            "grading.verify_chunk": closing(lines["grading"], "grading.verify_chunk"),  # events
            "review.on_chunk_verified": closing(lines["review"], "review.on_chunk_verified"),
        }
        return wanted if all(wanted.values()) else None
    found = until(traced, timeout=30, what=f"every service's lines of request {request_id}")

    for entrypoint, line in found.items():
        service = entrypoint.partition(".")[0]
        assert (line["service"], line["outcome"], line["level"]) == (service, "ok", "INFO"), line
    assert found["roster.create_review"]["kind"] == "rpc" and found["review.create_review"]["kind"] == "rpc"
    listed = found["grading.on_graduate_list_imported"]
    assert (listed["kind"], listed["event_type"]) == ("event", "graduate_list_imported")
    assert [listed["event_id"]] == outbox_events(engine, "review", request_id)["graduate_list_imported"]
    assert found["grading.verify_chunk"]["event_type"] == "chunk_ready"
    assert found["grading.verify_chunk"]["event_id"] in chunks["chunk_ready"]
    assert found["review.on_chunk_verified"]["event_type"] == "chunk_verified"
    assert found["review.on_chunk_verified"]["event_id"] in chunks["chunk_verified"]


def test_a_failed_upload_answers_with_the_id_its_log_lines_carry(app, school, stack, spawn, gateway_log):
    """review fails on the list (an injected bug, a 500): the answer quotes an id the gateway made, and the
    gateway's, roster's and review's lines of the failure carry it."""
    client = app.test_client()
    stack["review"].stop()
    faulty = None
    try:
        faulty = spawn(*REVIEW, label="review-bug", extra_env={"FAULTS": "bug:review.create_review"})
        r = upload_list(client, school["manager"], school["rows"], 2073)  # no X-Request-ID: the gateway makes one
    finally:
        if faulty:
            faulty.stop()
        stack["review"].start()
    assert r.status_code == 500, r.get_json()
    error = r.get_json()["error"]
    request_id = error["request_id"]
    assert r.headers["X-Request-ID"] == request_id and len(request_id) == 32
    assert error == {"code": "internal", "details": [], "request_id": request_id,
                     "message": f"服务内部错误，请稍后重试；如果一直出现，请联系管理员（编号：{request_id}）"}

    gateway = [x for x in gateway_log() if x["correlation_id"] == request_id]
    assert {(x["logger"], x["level"]) for x in gateway} == {
        ("gateway.errors", "ERROR"), ("gateway.requests", "WARNING")}

    review = lines_of(faulty, request_id)
    assert closing(review, "review.create_review")["outcome"] == "error"
    assert any("InjectedBug" in line.get("exc_info", "") for line in review), "the traceback, with the id"
    roster = until(lambda: closing(lines_of(stack["roster"], request_id), "roster.create_review"),
                   what="roster's line of the failed request")
    assert (roster["outcome"], roster["error"]) == ("error", "RemoteError: InjectedBug")
