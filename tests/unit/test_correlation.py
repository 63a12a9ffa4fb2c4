"""The correlation id without servers: a worker keeps its caller's id (or makes one) and hands it on, an
outbox row keeps it and the relay sends it as the header nameko reads back, the gateway takes or makes a
request's id and quotes it in a 500; the JSON log lines. The real run is tests/integration/test_correlation.py."""
import importlib
import io
import json
import logging
import logging.config
import os
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
import yaml
from flask import Flask, jsonify
from gunicorn.config import Config
from nameko.cli.main import setup_yaml_parser
from nameko.containers import ServiceContainer
from nameko.events import event_handler
from nameko.exceptions import RemoteError
from nameko.extensions import DependencyProvider
from nameko.messaging import HeaderDecoder, HeaderEncoder
from nameko.rpc import rpc
from nameko.testing.services import entrypoint_hook

from deploy.processes import SERVICE_CLASSES
from gateway import errors, request_id
from gateway.rpc import carry_correlation
from services.common import correlation, logs
from services.common.correlation import Correlation
from services.common.errors import NotFound
from services.common.messaging import Messaging
from services.common.relay import headers_of
from tests.support.processes import ROOT

GIVEN = "req-0123456789abcdef"


@contextmanager
def captured(logger: str = "", level: int = logging.DEBUG, service: str | None = "probe"):
    """The JSON lines `logger` (and its children) write meanwhile, as the services' config writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter(service))
    target = logging.getLogger(logger)
    before = target.level
    target.addHandler(handler)
    target.setLevel(level)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        target.removeHandler(handler)
        target.setLevel(before)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


class WorkerContextOf(DependencyProvider):
    """The worker's context itself, to look at what its calls would send."""

    def get_dependency(self, worker_ctx):
        return worker_ctx


class Probe:
    name = "probe"
    correlation = Correlation()
    ctx = WorkerContextOf()

    @rpc
    def work(self) -> dict:
        logging.getLogger("probe.work").info("working 中文")
        return {"current": correlation.current(), "headers": HeaderEncoder().get_message_headers(self.ctx)}

    @rpc
    def fail(self) -> None:
        raise RemoteError("InjectedBug", "a bug further down")

    @rpc
    def missing(self) -> None:
        raise NotFound("找不到")

    @rpc
    def ping(self) -> dict:
        return {"current": correlation.current()}

    @event_handler("review", "graduate_list_imported")
    def on_list(self, payload: dict) -> dict:
        logging.getLogger("probe.on_list").info("handling %s", payload["event_id"])
        return {"current": correlation.current(), "event": correlation.current_event()}


def call(container: ServiceContainer, method: str, context: dict | None, *args: object) -> object:
    """Run one worker of `method` with this context data (as a message's headers would give it)."""
    with entrypoint_hook(container, method, context_data=context) as hook:
        return hook(*args)


@pytest.fixture
def container():
    return ServiceContainer(Probe, config={"AMQP_URI": "memory://"})  # never started: no broker


def test_a_worker_keeps_its_callers_id_and_sends_it_with_its_own_calls(container):
    with captured() as lines:
        result = call(container, "work", {correlation.KEY: GIVEN})
    assert result["current"] == GIVEN
    assert result["headers"][correlation.HEADER] == GIVEN  # a nested RPC or event carries it on
    work = next(line for line in lines if line["logger"] == "probe.work")
    assert work["correlation_id"] == GIVEN and work["service"] == "probe" and work["message"] == "working 中文"
    done = next(line for line in lines if line.get("entrypoint") == "probe.work")
    assert done["correlation_id"] == GIVEN and done["level"] == "INFO"
    assert done["kind"] == "rpc" and done["outcome"] == "ok" and done["duration_ms"] >= 0
    assert correlation.current() is None  # the worker's id stayed in its worker


@pytest.mark.parametrize("given", [None, "short", "has spaces in it", "x" * 200, "bad\nline-injection", 12345678])
def test_work_without_a_well_formed_id_gets_a_fresh_one(container, given):
    def context() -> dict:  # a message's headers: a dict of its own for each worker
        return {} if given is None else {correlation.KEY: given}
    result = call(container, "work", context())
    first, second = result["current"], call(container, "work", context())["current"]
    assert correlation.well_formed(first) and len(first) == 32 and first != second
    assert result["headers"][correlation.HEADER] == first  # its calls carry the new one, not what it was given


def test_an_event_handlers_lines_name_the_event(container):
    with captured() as lines:
        result = call(container, "on_list", {correlation.KEY: GIVEN}, {"event_id": "e-1"})
    assert result == {"current": GIVEN, "event": {"event_type": "graduate_list_imported", "event_id": "e-1"}}
    for line in (x for x in lines if x["logger"] in ("probe.on_list", correlation.__name__)):
        assert (line["correlation_id"], line["event_type"], line["event_id"]) == (
            GIVEN, "graduate_list_imported", "e-1")
    assert any(line.get("entrypoint") == "probe.on_list" and line["kind"] == "event" for line in lines)


def test_a_failed_worker_says_so_once_and_health_checks_stay_quiet(container):
    with captured(level=logging.INFO) as lines:
        with pytest.raises(RemoteError):
            call(container, "fail", {correlation.KEY: GIVEN})
        with pytest.raises(NotFound):
            call(container, "missing", None)
        call(container, "ping", None)
    failed = next(line for line in lines if line.get("entrypoint") == "probe.fail")
    assert failed["level"] == "ERROR" and failed["outcome"] == "error" and "Traceback" in failed["exc_info"]
    assert failed["error"] == "RemoteError: InjectedBug" and failed["correlation_id"] == GIVEN
    refused = next(line for line in lines if line.get("entrypoint") == "probe.missing")  # the caller's to fix
    assert (refused["level"], refused["outcome"], refused["error"]) == ("INFO", "refused", "NotFound")
    assert "exc_info" not in refused
    assert not any(line.get("entrypoint") == "probe.ping" for line in lines)
    assert not any(line["logger"] == "nameko.containers" for line in lines)  # its traceback of the same failure


def test_an_event_keeps_its_id_beside_its_payload_and_the_relay_sends_it_as_nameko_context():
    session = mock.Mock(info={})
    with correlation.bound(GIVEN):
        Messaging("probe").add_event(session, "thing_happened", {"n": 1})
    insert = session.execute.call_args.args[0]
    params = insert.compile().params
    assert params["correlation_id"] == GIVEN and "correlation_id" not in params["payload"]

    headers = headers_of(SimpleNamespace(correlation_id=GIVEN))
    # what nameko's event handler makes of the message's headers: the worker's context data
    assert HeaderDecoder().unpack_message_headers(SimpleNamespace(headers=headers)) == {correlation.KEY: GIVEN}
    assert headers_of(SimpleNamespace(correlation_id=None)) == {}  # stored outside of any work: the handler makes one


def test_an_event_stored_outside_of_any_work_has_no_id():
    session = mock.Mock(info={})
    Messaging("probe").add_event(session, "thing_happened", {"n": 1})
    assert session.execute.call_args.args[0].compile().params["correlation_id"] is None


# --- the gateway ---------------------------------------------------------------------------------------------


@pytest.fixture
def gateway():
    app = Flask(__name__)
    request_id.init_app(app)
    errors.register(app)

    @app.get("/api/v1/here")
    def here():
        context: dict = {}
        carry_correlation(context)  # what gateway.rpc sends with every call
        return jsonify(current=correlation.current(), rpc_context=context)

    @app.get("/api/v1/remote-bug")
    def remote_bug():
        raise RemoteError("InjectedBug", "故障注入")

    @app.get("/api/v1/own-bug")
    def own_bug():
        raise ZeroDivisionError

    return app.test_client()


def test_the_gateway_keeps_a_well_formed_request_id_and_answers_with_it(gateway):
    with captured("gateway", service="gateway") as lines:
        r = gateway.get("/api/v1/here", headers={"X-Request-ID": GIVEN})
    assert r.headers["X-Request-ID"] == GIVEN
    assert r.get_json() == {"current": GIVEN, "rpc_context": {correlation.KEY: GIVEN}}
    assert correlation.current() is None  # unbound when the request ended
    [line] = [x for x in lines if x["logger"] == "gateway.requests"]
    assert (line["correlation_id"], line["service"], line["status"], line["path"]) == (
        GIVEN, "gateway", 200, "/api/v1/here")


@pytest.mark.parametrize("given", [None, "", "short", "<script>alert(1)</script>", "a" * 129])
def test_the_gateway_replaces_a_missing_or_malformed_request_id(gateway, given):
    r = gateway.get("/api/v1/here", headers={"X-Request-ID": given} if given is not None else {})
    made = r.headers["X-Request-ID"]
    assert made != given and correlation.well_formed(made) and r.get_json()["current"] == made


def test_a_500_quotes_the_request_id(gateway):
    with captured("gateway", service="gateway") as lines:
        r = gateway.get("/api/v1/remote-bug", headers={"X-Request-ID": GIVEN})
    assert r.status_code == 500 and r.headers["X-Request-ID"] == GIVEN
    assert r.get_json() == {"error": {
        "code": "internal", "message": f"服务内部错误，请稍后重试；如果一直出现，请联系管理员（编号：{GIVEN}）",
        "details": [], "request_id": GIVEN}}
    assert {(x["logger"], x["level"]) for x in lines if x["correlation_id"] == GIVEN} == {
        ("gateway.errors", "ERROR"), ("gateway.requests", "WARNING")}


def test_an_unexpected_error_and_a_timeout_name_the_request_too(gateway):
    gateway.application.testing = False  # as in production: the error is answered, not raised into the test
    r = gateway.get("/api/v1/own-bug")
    error = r.get_json()["error"]
    assert r.status_code == 500 and error["request_id"] == r.headers["X-Request-ID"]
    assert error["message"].endswith(f"（编号：{error['request_id']}）")
    r = gateway.get("/api/v1/nowhere")
    assert r.status_code == 404 and "request_id" not in r.get_json()["error"]  # a 4xx is the caller's to fix


# --- the log lines ---------------------------------------------------------------------------------------------


def test_a_json_line_has_every_field_and_keeps_chinese_greppable():
    record = logging.LogRecord("services.x", logging.INFO, __file__, 1, "已处理 %s \"%s\"", ("e-1", "q"), None)
    logs.ContextFilter("review").filter(record)
    line = logs.JsonFormatter().format(record)
    assert "已处理 e-1" in line and "\n" not in line
    parsed = json.loads(line)
    assert list(parsed)[:6] == ["timestamp", "level", "logger", "message", "service", "correlation_id"]
    assert parsed["timestamp"].endswith("+00:00") and parsed["correlation_id"] is None


def test_a_plain_line_shows_the_id_for_reading_by_eye():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    with correlation.bound(GIVEN):
        logs.ContextFilter("review").filter(record)
    assert logs.PlainFormatter().format(record).endswith(f" INFO x [{GIVEN}]: hello")


@contextmanager
def restored_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {name: (lg.handlers[:], lg.level, lg.propagate) for name in ("gunicorn.error", "gunicorn.access")
             for lg in [logging.getLogger(name)]}
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (hs, lv, prop) in named.items():
            lg = logging.getLogger(name)
            lg.handlers[:], lg.propagate = hs, prop
            lg.setLevel(lv)


def test_every_service_logs_json_lines_naming_itself():
    setup_yaml_parser()
    for service in SERVICE_CLASSES:
        with open(os.path.join(ROOT, "services", service, "config.yml")) as f, mock.patch.dict(os.environ):
            os.environ.pop("LOG_FORMAT", None)  # the default
            config = yaml.safe_load(f)["LOGGING"]
        assert config["filters"]["context"]["service"] == service
        assert config["disable_existing_loggers"] is False  # kombu's "Connected to amqp", imported by the filter
        assert config["handlers"]["console"]["formatter"] == "json"
        assert config["handlers"]["console"]["filters"] == ["context"]
        with restored_logging():
            logging.config.dictConfig(config)
            handler = logging.getLogger().handlers[0]
            assert isinstance(handler.formatter, logs.JsonFormatter)
            assert isinstance(handler.filters[0], logs.ContextFilter) and handler.filters[0].service == service


def test_gunicorn_writes_the_gateways_lines_and_its_own_as_json(tmp_path):
    # gateway.gunicorn_conf sets PROMETHEUS_MULTIPROC_DIR when it is not set: not for the tests after this one
    with mock.patch.dict(os.environ, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}):
        config = importlib.import_module("gateway.gunicorn_conf").logconfig_dict
    assert config["filters"]["context"]["service"] == "gateway"
    with restored_logging():
        logging.config.dictConfig(config)
        stream = io.StringIO()
        logging.getLogger().handlers[0].setStream(stream)
        logging.getLogger("gunicorn.error").info("Booting worker with pid: 1")
        logging.getLogger("gunicorn.access").info("an access line")  # off: the gateway logs requests itself
        with correlation.bound(GIVEN):
            logging.getLogger("gateway.errors").error("remote error")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(x["logger"], x["service"], x["correlation_id"]) for x in lines] == [
        ("gunicorn.error", "gateway", None), ("gateway.errors", "gateway", GIVEN)]
    assert logs.dict_config("gateway", fmt="plain")["handlers"]["console"]["formatter"] == "plain"
    assert logs.dict_config("gateway", fmt="yaml")["handlers"]["console"]["formatter"] == "json"


def test_gunicorn_gathers_no_access_log_fields(tmp_path):
    with mock.patch.dict(os.environ, {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}):
        conf = importlib.import_module("gateway.gunicorn_conf")
    cfg = Config()
    cfg.set("logger_class", conf.logger_class)
    cfg.set("logconfig_dict", conf.logconfig_dict)  # what made gunicorn gather them for a silent logger
    assert cfg.logger_class is conf.GatewayLogger
    with restored_logging():
        logger = cfg.logger_class(cfg)
        with mock.patch.object(logger, "atoms", side_effect=AssertionError("access-log fields gathered")):
            logger.access(mock.Mock(), mock.Mock(), {}, 0.01)
