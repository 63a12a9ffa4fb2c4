"""Prometheus metrics of the nameko services, served by each process on its own HTTP port.

`Metrics` (a DependencyProvider every service gets from HealthMixin) does three things:

- serves `GET /metrics` on METRICS_PORT (config, else the environment; 0 or unset: a free port,
  "off": none) and METRICS_HOST (default 127.0.0.1; 0.0.0.0 in containers). The port it took is
  logged ("metrics: serving http://HOST:PORT/metrics (pid PID)") and, with METRICS_PORT_FILE, written there.
  The server is an eventlet WSGI server in a managed thread, beside the service's workers: a scrape
  never waits for a worker slot.
- times every entrypoint (RPC, event handler, timer) through nameko's worker hooks.
- collects at scrape time, from the service's own Database dependency, the connection pool's use
  and the outbox's backlog and lag; and whatever `services/<package>/metrics.py` adds with its
  `collectors(container)` (the printing service: print jobs by state).

Counters and histograms that other modules move (events handled, events published) are defined
here too; label values are service, method, handler and event names, never personal data.
"""
import importlib
import importlib.util
import logging
import os
import time
import weakref
from collections.abc import Callable, Iterable, Iterator

import eventlet
import eventlet.wsgi
import sqlalchemy as sa
from nameko.containers import ServiceContainer, WorkerContext
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, make_wsgi_app
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# 5 ms .. 2 min: pings and look-ups at the bottom, imports and renders at the top
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
SCRAPE_QUERY_TIMEOUT_MS = 2000

ENTRYPOINT_SECONDS = Histogram(
    "biye_entrypoint_duration_seconds",
    "Time a service's worker took, by entrypoint: kind rpc (an RPC method), event (an event handler), timer.",
    ["service", "method", "kind"], buckets=LATENCY_BUCKETS)
ENTRYPOINT_ERRORS = Counter(
    "biye_entrypoint_errors_total",
    "Workers that ended with an exception, by entrypoint and exception class.",
    ["service", "method", "kind", "error"])
EVENTS_HANDLED = Counter(
    "biye_events_handled_total",
    "Events taken by an idempotent handler (services.common.handlers.handle_once), by outcome: handled "
    "(committed), duplicate (already handled, dropped), gave_up (a domain error, recorded as handled), "
    "retry (a transient failure: the event goes back to the queue).",
    ["handler", "outcome"])
EVENTS_PUBLISHED = Counter(
    "biye_events_published_total",
    "Events the outbox relay published to RabbitMQ (counted once the rows are marked published).",
    ["service", "event_type"])

HANDLED, DUPLICATE, GAVE_UP, RETRY = "handled", "duplicate", "gave_up", "retry"

KINDS = {Rpc: "rpc", EventHandler: "event", Timer: "timer"}


def entrypoint_kind(entrypoint: object) -> str:
    for cls, kind in KINDS.items():
        if isinstance(entrypoint, cls):
            return kind
    return type(entrypoint).__name__.lower()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never if it rolls back).

    For counters of work that only counts when it is stored. A stand-in session (unit tests'
    mocks) has no transaction: the callback runs at once."""
    if isinstance(session, Session):
        sa.event.listen(session, "after_commit", lambda _session: callback(), once=True)
    else:
        callback()


def metrics_port(config: dict) -> int | None:
    """The port to serve on: METRICS_PORT from the service's config, else the environment;
    unset or 0: any free port; "off" (or "none", "-"): no metrics server."""
    value = str(config.get("METRICS_PORT", os.environ.get("METRICS_PORT", "0"))).strip().lower()
    if value in ("off", "none", "-", "false"):
        return None
    return int(value or 0)


class ServiceRegistry:
    """The process-wide REGISTRY plus this container's scrape-time collectors, as one registry.

    The container's collectors are not registered globally: several containers in one process
    (unit tests) would clash on their names."""

    def __init__(self, collectors: Iterable, base: CollectorRegistry = REGISTRY):
        self.collectors = list(collectors)
        self.base = base

    def collect(self) -> Iterator[Metric]:
        yield from self.base.collect()
        for collector in self.collectors:
            try:
                yield from collector.collect()
            except Exception:  # database away: the other series still go out
                log.exception("metrics: %s failed", type(collector).__name__)

    def restricted_registry(self, names: Iterable[str]) -> "Restricted":
        """Only the named series (`/metrics?name[]=...`)."""
        return Restricted(self, set(names))


class Restricted:
    def __init__(self, registry: ServiceRegistry, names: set[str]) -> None:
        self.registry = registry
        self.names = names

    def collect(self) -> Iterator[Metric]:
        for metric in self.registry.collect():
            samples = [s for s in metric.samples if s.name in self.names]
            if samples:
                metric.samples = samples
                yield metric


def databases_of(container: ServiceContainer) -> list:
    """The container's Database dependencies that have set up their engine."""
    from services.common.db import Database

    return [d for d in container.dependencies if isinstance(d, Database) and hasattr(d, "engine")]


_scrape_engines: "weakref.WeakKeyDictionary[object, sa.Engine]" = weakref.WeakKeyDictionary()


def scrape_engine(db: object) -> sa.Engine:
    """A one-connection engine beside `db`'s, for queries at scrape time: a scrape never takes a
    worker's connection, and never waits long for one when the database is slow."""
    if db not in _scrape_engines:
        _scrape_engines[db] = sa.create_engine(db.engine.url, pool_size=1, max_overflow=0,
                                               pool_timeout=SCRAPE_QUERY_TIMEOUT_MS / 1000, pool_pre_ping=True)
    return _scrape_engines[db]


class DatabaseCollector:
    """Connection pool use and outbox backlog of a container's Database dependencies, at scrape time."""

    def __init__(self, container: ServiceContainer) -> None:
        self.container = container

    def collect(self) -> Iterator[Metric]:
        service = self.container.service_name
        size = GaugeMetricFamily("biye_db_pool_size", "Connections the SQLAlchemy pool keeps (pool_size; "
                                 "up to max_overflow more are opened under load).", labels=["service"])
        out = GaugeMetricFamily("biye_db_pool_checked_out", "Pooled connections in use right now.",
                                labels=["service"])
        backlog = GaugeMetricFamily("biye_outbox_backlog", "Outbox rows not yet published to RabbitMQ.",
                                    labels=["service"])
        lag = GaugeMetricFamily("biye_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row "
                                "(the relay's lag; 0 when the outbox is empty).", labels=["service"])
        for db in databases_of(self.container):
            size.add_metric([service], db.engine.pool.size())
            out.add_metric([service], db.engine.pool.checkedout())
            try:
                count, age = outbox_state(scrape_engine(db), db.messaging.outbox)
            except sa.exc.SQLAlchemyError as exc:  # database away: the pool's series still go out
                log.warning("metrics: outbox of %s not read: %s", service, exc)
                continue
            backlog.add_metric([service], count)
            lag.add_metric([service], age)
        yield from (size, out, backlog, lag)


def outbox_state(engine: sa.Engine, outbox: sa.Table) -> tuple[int, float]:
    """(unpublished rows, seconds since the oldest of them was written)."""
    with engine.begin() as conn:
        conn.execute(sa.text(f"SET LOCAL statement_timeout = {SCRAPE_QUERY_TIMEOUT_MS}"))
        count, age = conn.execute(
            sa.select(sa.func.count(),
                      sa.func.coalesce(sa.extract("epoch", sa.func.now() - sa.func.min(outbox.c.created_at)), 0))
            .where(outbox.c.published_at.is_(None))
        ).one()
    return int(count), max(float(age), 0.0)


def package_collectors(container: ServiceContainer) -> list:
    """What `services/<package>/metrics.py` of the container's service adds (`collectors(container)`)."""
    package = container.service_cls.__module__.rpartition(".")[0]
    name = f"{package}.metrics"
    if not package or importlib.util.find_spec(name) is None:
        return []
    module = importlib.import_module(name)
    factory = getattr(module, "collectors", None)
    return list(factory(container)) if factory else []


class Metrics(DependencyProvider):
    """Times every entrypoint and serves the process's metrics on METRICS_PORT (see the module doc)."""

    def __init__(self) -> None:
        self._started: dict = {}
        self.port: int | None = None
        self._server = None
        self._sock = None

    def setup(self) -> None:
        config = self.container.config
        self.wanted_port = metrics_port(config)
        self.host = str(config.get("METRICS_HOST", os.environ.get("METRICS_HOST", "127.0.0.1")))
        self.port_file = config.get("METRICS_PORT_FILE", os.environ.get("METRICS_PORT_FILE"))
        self.registry = ServiceRegistry([DatabaseCollector(self.container), *package_collectors(self.container)])

    def start(self) -> None:
        if self.wanted_port is None:
            return
        self._sock = eventlet.listen((self.host, self.wanted_port))
        self.port = self._sock.getsockname()[1]
        app = make_wsgi_app(self.registry)
        self._server = self.container.spawn_managed_thread(
            lambda: eventlet.wsgi.server(self._sock, app, log_output=False), identifier="metrics")
        log.info("metrics: serving http://%s:%d/metrics (pid %d)", self.host, self.port, os.getpid())
        if self.port_file:
            with open(self.port_file, "w") as f:
                f.write(f"{self.port}\n")

    def stop(self) -> None:
        if self._server is not None:
            self._server.kill()
            self._server = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def kill(self) -> None:
        self.stop()

    def worker_setup(self, worker_ctx: WorkerContext) -> None:
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx: WorkerContext, result: object = None, exc_info: tuple | None = None) -> None:
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        labels = (self.container.service_name, entrypoint.method_name, entrypoint_kind(entrypoint))
        ENTRYPOINT_SECONDS.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is not None:
            ENTRYPOINT_ERRORS.labels(*labels, exc_info[0].__name__).inc()

    def worker_teardown(self, worker_ctx: WorkerContext) -> None:
        self._started.pop(worker_ctx, None)
