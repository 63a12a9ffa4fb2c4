"""The gateway's Prometheus metrics: `GET /metrics`, request latency by route, RPC latency by
service.method, and its database pool's use.

Gunicorn runs the gateway in several worker processes, and a scrape reaches one of them. With
PROMETHEUS_MULTIPROC_DIR set (gateway/gunicorn_conf.py sets and empties it before the workers
start) every worker writes its values to files there and `/metrics` answers with the sum over all
of them (prometheus_client's multiprocess mode). Without it (the Flask test client, `flask run`)
the one process's own registry is served.

`/metrics` is answered by a WSGI middleware in front of Flask: no session, no login, no CSRF, and
not counted as a request. It is meant to be scraped inside the cluster (the gateway's Service is
ClusterIP). Where the gateway's port is reachable from outside, keep `/metrics` off the Ingress or
set METRICS_TOKEN: then a scrape must send `Authorization: Bearer <METRICS_TOKEN>`. Labels hold
route templates (`/api/v1/reviews/<review_id>`, never the raw path), methods, status codes and
service.method names: no personal data.
"""
import hmac
import os
import time
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import Flask, Response, g, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from services.common.metrics import LATENCY_BUCKETS  # the services' buckets, so the figures compare

SERVICE = "gateway"
UNMATCHED = "unmatched"  # no route: 404s and 405s share one label value, whatever path was asked

REQUEST_SECONDS = Histogram(
    "biye_gateway_request_duration_seconds",
    "Time the gateway took to answer a request, by route (the URL rule, not the path), method and status.",
    ["route", "method", "status"], buckets=LATENCY_BUCKETS)
RPC_SECONDS = Histogram(
    "biye_gateway_rpc_duration_seconds",
    "Time an RPC from the gateway to a service took until its reply (or failure), by service and method.",
    ["service", "method"], buckets=LATENCY_BUCKETS)
RPC_ERRORS = Counter(
    "biye_gateway_rpc_errors_total",
    "RPCs from the gateway that failed, by service, method and error (the remote exception's type, or "
    "RpcTimeout and the like).",
    ["service", "method", "error"])
SIGNED_IN_LOOKUPS = Counter(
    "biye_gateway_signed_in_lookups_total",
    "Requests whose token was looked up, by where the answer came from: memory (gateway/token_cache.py) or "
    "database (first use, after a change to the accounts, or while the cache's listener is reconnecting).",
    ["source"])
POOL_SIZE = Gauge(
    "biye_db_pool_size", "Connections the SQLAlchemy pool keeps (pool_size; up to max_overflow more are opened "
    "under load). The gateway's is summed over its worker processes.",
    ["service"], multiprocess_mode="livesum")
POOL_CHECKED_OUT = Gauge(
    "biye_db_pool_checked_out", "Pooled connections in use right now.",
    ["service"], multiprocess_mode="livesum")


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def registry() -> CollectorRegistry:
    """What /metrics serves: every worker's values in multiprocess mode, else this process's."""
    if not multiprocess():
        return REGISTRY
    merged = CollectorRegistry()
    MultiProcessCollector(merged)
    return merged


def metrics_app(token: str = "") -> Callable:
    """The WSGI app answering /metrics; with `token`, only to `Authorization: Bearer <token>`."""
    app = make_wsgi_app(registry())
    if not token:
        return app
    expected = f"Bearer {token}".encode()

    def guarded(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if not hmac.compare_digest(environ.get("HTTP_AUTHORIZATION", "").encode(), expected):
            start_response("401 Unauthorized", [("Content-Type", "text/plain; charset=utf-8"),
                                                ("WWW-Authenticate", "Bearer")])
            return [b"metrics need the scrape token\n"]
        return app(environ, start_response)
    return guarded


def init_app(app: Flask) -> None:
    """Serve /metrics and time every request of `app` (the timer runs before any other hook)."""
    token = app.config.get("METRICS_TOKEN", os.environ.get("METRICS_TOKEN", ""))
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_observe_request)
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {"/metrics": metrics_app(token)})


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _observe_request(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        rule = request.url_rule
        REQUEST_SECONDS.labels(rule.rule if rule else UNMATCHED, request.method, str(response.status_code)) \
            .observe(time.perf_counter() - started)
    return response


def instrument_pool(engine: sa.Engine, service: str = SERVICE) -> None:
    """Keep POOL_SIZE and POOL_CHECKED_OUT of `engine` up to date from the pool's own events.

    Events, not a read at scrape time: in multiprocess mode the scrape runs in one worker and could
    only read its own pool. A checkin counts only when its checkout did (a checkout that failed
    half-way is checked in without ever having been checked out)."""
    POOL_SIZE.labels(service).inc(engine.pool.size())
    in_use = POOL_CHECKED_OUT.labels(service)

    def checkout(dbapi_connection, record, proxy) -> None:
        record.record_info["metrics_checked_out"] = True
        in_use.inc()

    def checkin(dbapi_connection, record) -> None:
        if record.record_info.pop("metrics_checked_out", False):
            in_use.dec()

    sa.event.listen(engine, "checkout", checkout)
    sa.event.listen(engine, "checkin", checkin)


class TimedCluster:
    """A nameko cluster proxy whose services' calls are timed (see TimedService)."""

    def __init__(self, cluster: object) -> None:
        self._cluster = cluster

    def __getattr__(self, service: str) -> "TimedService":
        if service.startswith("_"):
            raise AttributeError(service)
        return TimedService(getattr(self._cluster, service), service)


class TimedService:
    def __init__(self, proxy: object, service: str) -> None:
        self._proxy = proxy
        self._service = service

    def __getattr__(self, method: str) -> "TimedMethod":
        if method.startswith("_"):
            raise AttributeError(method)
        return TimedMethod(getattr(self._proxy, method), self._service, method)


class TimedMethod:
    """`proxy.service.method(...)` and `.call_async(...).result()`, timed until the reply."""

    def __init__(self, method: Callable, service: str, name: str) -> None:
        self._method = method
        self._labels = (service, name)

    def __call__(self, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return self._method(*args, **kwargs)
        except Exception as exc:
            _count_error(self._labels, exc)
            raise
        finally:
            RPC_SECONDS.labels(*self._labels).observe(time.perf_counter() - started)

    def call_async(self, *args: object, **kwargs: object) -> "TimedReply":
        started = time.perf_counter()
        try:
            return TimedReply(self._method.call_async(*args, **kwargs), self._labels, started)
        except Exception as exc:
            _count_error(self._labels, exc)
            RPC_SECONDS.labels(*self._labels).observe(time.perf_counter() - started)
            raise


class TimedReply:
    def __init__(self, reply: object, labels: tuple[str, str], started: float) -> None:
        self._reply = reply
        self._labels = labels
        self._started = started

    def result(self) -> object:
        try:
            return self._reply.result()
        except Exception as exc:
            _count_error(self._labels, exc)
            raise
        finally:
            if self._started is not None:  # a second result() is not a second call
                RPC_SECONDS.labels(*self._labels).observe(time.perf_counter() - self._started)
                self._started = None


def _count_error(labels: tuple[str, str], exc: Exception) -> None:
    RPC_ERRORS.labels(*labels, getattr(exc, "exc_type", None) or type(exc).__name__).inc()
