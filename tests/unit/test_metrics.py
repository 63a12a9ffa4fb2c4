"""The Prometheus series without servers: what each hook counts, the services' metrics server (a real nameko
container with a timer, on a free port), the gateway's request and RPC timing on a bare Flask app, the
local processes' ports and the Grafana dashboard's references. The real run is tests/integration/test_metrics.py."""
import json
import logging
import os
import re
import socket
import time
import urllib.request
from types import SimpleNamespace

import eventlet
import pytest
import sqlalchemy as sa
from flask import Flask, abort
from nameko.containers import ServiceContainer
from nameko.events import EventHandler
from nameko.exceptions import RemoteError
from nameko.rpc import Rpc
from nameko.timer import timer
from prometheus_client import REGISTRY
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session

from deploy.processes import all_processes
from gateway import metrics as gateway_metrics
from services.common import handlers, metrics
from services.common.errors import NotFound
from services.common.handlers import handle_once
from services.printing.metrics import PrintJobsCollector
from tests.support.processes import ROOT
from tests.unit.service_fakes import FakeDb


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a scrape."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


# --- event handlers: every outcome of handle_once -------------------------------------------------------------

class Handler:
    def __init__(self, claimed: bool, effect):
        self.db = FakeDb(claimed=claimed)
        self.effect = effect

    @handle_once("unit.on_thing")
    def on_thing(self, session, payload: dict):
        return self.effect()


def handled(outcome: str) -> float:
    return value("biye_events_handled_total", handler="unit.on_thing", outcome=outcome)


def test_handle_once_counts_handled_and_duplicate():
    before = handled("handled"), handled("duplicate")
    Handler(True, lambda: "done").on_thing({"event_id": "e1"})
    Handler(False, lambda: "never").on_thing({"event_id": "e1"})
    assert (handled("handled"), handled("duplicate")) == (before[0] + 1, before[1] + 1)


def test_handle_once_counts_giving_up_and_retrying(monkeypatch):
    monkeypatch.setattr(handlers, "RETRY_BACKOFF_SECONDS", 0)
    before = handled("gave_up"), handled("retry"), handled("handled")

    def missing():
        raise NotFound("没有这个审核")

    def broker_away():
        raise ConnectionError("broker away")

    Handler(True, missing).on_thing({"event_id": "e2"})
    with pytest.raises(ConnectionError):
        Handler(True, broker_away).on_thing({"event_id": "e3"})
    assert (handled("gave_up"), handled("retry"), handled("handled")) == (before[0] + 1, before[1] + 1, before[2])


# --- after_commit: counted only once stored ---------------------------------------------------------------------

def test_after_commit_runs_on_commit_only(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/t.db")
    calls = []
    with Session(engine) as session, session.begin():
        metrics.after_commit(session, lambda: calls.append("committed"))
        assert calls == []
    assert calls == ["committed"]
    with pytest.raises(RuntimeError), Session(engine) as session, session.begin():
        metrics.after_commit(session, lambda: calls.append("rolled back"))
        raise RuntimeError
    assert calls == ["committed"]


# --- the entrypoint hooks of the Metrics provider ---------------------------------------------------------------

class WorkerCtx:
    def __init__(self, entrypoint, method: str):
        entrypoint.method_name = method
        self.entrypoint = entrypoint


def test_every_entrypoint_is_timed_by_kind_and_errors_counted_by_class():
    provider = metrics.Metrics()
    provider.container = SimpleNamespace(service_name="unitsvc")
    rpc = WorkerCtx(Rpc(), "import_grades")
    event = WorkerCtx(EventHandler("grading", "chunk_ready"), "verify_chunk")
    count = "biye_entrypoint_duration_seconds_count"
    before = (value(count, service="unitsvc", method="import_grades", kind="rpc"),
              value(count, service="unitsvc", method="verify_chunk", kind="event"))

    provider.worker_setup(rpc)
    provider.worker_result(rpc, result={"imported": 1})
    provider.worker_teardown(rpc)
    provider.worker_setup(event)
    provider.worker_result(event, exc_info=(ValueError, ValueError("x"), None))
    provider.worker_teardown(event)

    assert value(count, service="unitsvc", method="import_grades", kind="rpc") == before[0] + 1
    assert value(count, service="unitsvc", method="verify_chunk", kind="event") == before[1] + 1
    assert value("biye_entrypoint_errors_total", service="unitsvc", method="verify_chunk", kind="event",
                 error="ValueError") == 1
    assert provider._started == {}


@pytest.mark.parametrize("config, env, port", [
    ({}, None, 0), ({"METRICS_PORT": 9301}, "9999", 9301), ({}, "9302", 9302), ({"METRICS_PORT": "off"}, None, None),
])
def test_metrics_port_from_config_then_environment(monkeypatch, config, env, port):
    if env is None:
        monkeypatch.delenv("METRICS_PORT", raising=False)
    else:
        monkeypatch.setenv("METRICS_PORT", env)
    assert metrics.metrics_port(config) == port


# --- a real container: the metrics server on a free port --------------------------------------------------------

class Ticker:
    name = "ticker"
    metrics = metrics.Metrics()

    @timer(interval=0.05)
    def tick(self):
        pass

    @timer(interval=0.05)
    def trip(self):
        raise KeyError("always")


class Broken:
    def collect(self):
        raise RuntimeError("database away")
        yield


class Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged():
    logger, handler = logging.getLogger(metrics.__name__), Lines()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_container_serves_its_metrics_on_the_port_it_logs_and_writes(tmp_path, logged):
    port_file = tmp_path / "port"
    container = ServiceContainer(Ticker, {"METRICS_PORT": "0", "METRICS_PORT_FILE": str(port_file)})
    container.start()
    try:
        provider = next(d for d in container.dependencies if isinstance(d, metrics.Metrics))
        assert port_file.read_text().strip() == str(provider.port) and provider.port > 0
        assert f"metrics: serving http://127.0.0.1:{provider.port}/metrics (pid {os.getpid()})" in logged
        provider.registry.collectors.append(Broken())  # one collector failing spoils nothing else
        ticks = (("kind", "timer"), ("method", "tick"), ("service", "ticker"))
        trips = (("error", "KeyError"), ("kind", "timer"), ("method", "trip"), ("service", "ticker"))
        deadline = time.monotonic() + 20
        while True:  # the timers tick every 50 ms: soon each has run twice
            with urllib.request.urlopen(f"http://127.0.0.1:{provider.port}/metrics", timeout=5) as resp:
                scraped = samples(resp.read().decode())
            if (scraped.get(("biye_entrypoint_duration_seconds_count", ticks), 0) >= 2
                    and scraped.get(("biye_entrypoint_errors_total", trips), 0) >= 2):
                break
            assert time.monotonic() < deadline, "the timers' runs never showed"
            eventlet.sleep(0.1)
        with urllib.request.urlopen(f"http://127.0.0.1:{provider.port}/metrics?name[]=biye_students_verified_total",
                                    timeout=5) as resp:
            assert {name for name, _ in samples(resp.read().decode())} <= {"biye_students_verified_total"}
    finally:
        container.stop()
    with pytest.raises(ConnectionRefusedError):  # the port is given back when the service stops
        socket.create_connection(("127.0.0.1", provider.port), timeout=2)


def test_metrics_off_serves_nothing():
    container = ServiceContainer(Ticker, {"METRICS_PORT": "off"})
    container.start()
    try:
        provider = next(d for d in container.dependencies if isinstance(d, metrics.Metrics))
        assert provider.port is None
    finally:
        container.stop()


def test_a_service_package_adds_its_own_collectors():
    def container(module: str):
        return SimpleNamespace(service_cls=type("S", (), {"__module__": module}))

    assert [type(c) for c in metrics.package_collectors(container("services.printing.service"))] == [
        PrintJobsCollector]
    assert metrics.package_collectors(container("services.grading.service")) == []  # its series are module-level
    assert metrics.package_collectors(container("tests.unit.test_metrics")) == []


def test_print_jobs_report_every_state(monkeypatch):
    from services.printing import metrics as printing_metrics

    db = SimpleNamespace(engine="engine")
    monkeypatch.setattr(printing_metrics, "databases_of", lambda container: [db])
    monkeypatch.setattr(printing_metrics, "scrape_engine", lambda database: database.engine)
    monkeypatch.setattr(printing_metrics, "jobs_by_state", lambda engine: {"queued": 0, "sent": 2, "failed": 1})
    family = next(iter(PrintJobsCollector(None).collect()))
    assert isinstance(family, GaugeMetricFamily)
    assert {s.labels["state"]: s.value for s in family.samples} == {"queued": 0, "sent": 2, "failed": 1}


# --- the gateway: requests by route, RPCs, the pool --------------------------------------------------------------

@pytest.fixture
def flask_app():
    app = Flask(__name__)

    @app.get("/things/<int:n>")
    def thing(n):
        if n == 0:
            abort(404)
        return {"n": n}

    @app.get("/fail")
    def fail():
        raise RuntimeError("bug")

    gateway_metrics.init_app(app)
    return app


def requests_of(route: str, method: str, status: str) -> float:
    return value("biye_gateway_request_duration_seconds_count", route=route, method=method, status=status)


def test_gateway_times_requests_by_route_not_path(flask_app):
    client = flask_app.test_client()
    before = [requests_of("/things/<int:n>", "GET", "200"), requests_of("/things/<int:n>", "GET", "404"),
              requests_of("unmatched", "GET", "404"), requests_of("/fail", "GET", "500")]
    for path in ("/things/1", "/things/2", "/things/0", "/nowhere/secret-id-610102200001011234", "/fail"):
        client.get(path)
    assert [requests_of("/things/<int:n>", "GET", "200"), requests_of("/things/<int:n>", "GET", "404"),
            requests_of("unmatched", "GET", "404"), requests_of("/fail", "GET", "500")] == [
        before[0] + 2, before[1] + 1, before[2] + 1, before[3] + 1]

    r = client.get("/metrics")
    assert r.status_code == 200 and r.mimetype == "text/plain"
    text = r.get_data(as_text=True)
    assert 'route="/things/<int:n>"' in text
    assert "610102200001011234" not in text and "/things/1" not in text
    assert requests_of("unmatched", "GET", "404") == before[2] + 1  # the scrape is not a request


def test_gateway_metrics_token(monkeypatch):
    app = Flask(__name__)
    app.config["METRICS_TOKEN"] = "s3cret"
    gateway_metrics.init_app(app)
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


class FakeReply:
    def __init__(self, outcome):
        self.outcome = outcome

    def result(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


class FakeMethod:
    def __init__(self, outcome):
        self.outcome = outcome

    def __call__(self, *args):
        return FakeReply(self.outcome).result()

    def call_async(self, *args):
        return FakeReply(self.outcome)


def rpcs(service: str, method: str) -> float:
    return value("biye_gateway_rpc_duration_seconds_count", service=service, method=method)


def test_gateway_rpcs_are_timed_by_service_and_method():
    cluster = SimpleNamespace(unitsvc=SimpleNamespace(
        ok=FakeMethod({"fine": True}), lost=FakeMethod(RemoteError("NotFound", "没有"))))
    timed = gateway_metrics.TimedCluster(cluster)
    before = rpcs("unitsvc", "ok"), rpcs("unitsvc", "lost")

    assert timed.unitsvc.ok(1) == {"fine": True}
    reply = timed.unitsvc.ok.call_async(1)
    assert reply.result() == {"fine": True}
    reply.result()  # asked twice: still one call
    with pytest.raises(RemoteError):
        timed.unitsvc.lost()

    assert (rpcs("unitsvc", "ok"), rpcs("unitsvc", "lost")) == (before[0] + 2, before[1] + 1)
    assert value("biye_gateway_rpc_errors_total", service="unitsvc", method="lost", error="NotFound") == 1


def test_gateway_pool_in_use_follows_checkouts(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path}/p.db", pool_size=3, max_overflow=0)
    gateway_metrics.instrument_pool(engine, service="unit-pool")
    assert value("biye_db_pool_size", service="unit-pool") == 3
    with engine.connect(), engine.connect():
        assert value("biye_db_pool_checked_out", service="unit-pool") == 2
    assert value("biye_db_pool_checked_out", service="unit-pool") == 0


# --- deployment: ports and the dashboard -------------------------------------------------------------------------

def test_every_local_process_has_its_own_metrics_port():
    procs = all_processes(8000, grading_workers=3)
    ports = [p.env["METRICS_PORT"] for p in procs if p.name != "gateway"]
    assert len(ports) == 7 and len(set(ports)) == 7
    gateway = next(p for p in procs if p.name == "gateway")
    assert "python:gateway.gunicorn_conf" in gateway.argv  # multiprocess metrics over its workers


def produced_series() -> set[str]:
    names = set()
    for folder in ("services", "gateway"):
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for f in files:
                if f.endswith(".py"):
                    names |= set(re.findall(r'"(biye_[a-z_]+)"', open(os.path.join(dirpath, f)).read()))
    return names


def test_dashboard_uses_only_series_that_exist():
    with open(os.path.join(ROOT, "deploy", "grafana", "season-dashboard.json")) as f:
        dashboard = json.load(f)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    assert exprs
    used = {re.sub(r"_(bucket|count|sum)$", "", n) for e in exprs for n in re.findall(r"\bbiye_[a-z_]+", e)}
    assert used and used <= produced_series(), used - produced_series()
    for series in ("biye_students_verified_total", "biye_outbox_backlog", "biye_events_handled_total",
                   "biye_gateway_request_duration_seconds", "biye_entrypoint_duration_seconds"):
        assert series in used
    assert any("rabbitmq_detailed_queue_messages_ready" in e for e in exprs)
