"""The correlation id: one id for a piece of work and everything it causes, in every log line of it.

How it travels:

- The gateway takes a well-formed `X-Request-ID` from the request, else makes one (gateway/requests.py),
  answers with it, and sends it with every RPC as nameko context data (gateway/rpc.py): the message
  header `nameko.correlation_id`.
- In a service, `Correlation` (a DependencyProvider every service gets from HealthMixin) reads it from
  the worker's context data for every entrypoint (RPC, event handler, timer), or makes a fresh one
  (a timer's tick, an event published without one), and binds it for the worker's log lines. It
  leaves it in the worker's context data, so an RPC the worker makes carries it on (nameko sends a
  worker's context data as headers of its calls).
- An event stored in the outbox keeps the id in the outbox row (column `correlation_id`,
  Messaging.add_event); the relay publishes it as the header `nameko.correlation_id`, which nameko's
  event handler turns back into context data (nameko.messaging.HeaderDecoder) for the handler's worker.
  Never in a payload: payloads are checked against their contracts.

Log lines get it from services.common.logs.ContextFilter, which reads `current()`.
"""
import logging
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass

from nameko.constants import HEADER_PREFIX
from nameko.containers import WorkerContext
from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.timer import Timer

from services.common.errors import ServiceError

log = logging.getLogger(__name__)

KEY = "correlation_id"  # in nameko's context data
HEADER = f"{HEADER_PREFIX}.{KEY}"  # on an AMQP message (what nameko's HeaderEncoder/Decoder make of KEY)
HTTP_HEADER = "X-Request-ID"
# what a caller may send: 8 to 128 letters, digits and . _ : - (a UUID, with or without dashes, fits)
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
# entrypoints whose every call would drown the log at INFO: health checks
QUIET_METHODS = frozenset({"ping"})

_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_event: ContextVar[dict | None] = ContextVar("correlation_event", default=None)
_service: list[str] = []  # the process's service, once a Correlation provider is set up


def new_id() -> str:
    return uuid.uuid4().hex


def well_formed(value: object) -> bool:
    return isinstance(value, str) and WELL_FORMED.fullmatch(value) is not None


def current() -> str | None:
    """The correlation id of the work this code runs for (None outside of any)."""
    return _current.get()


def current_event() -> dict | None:
    """{event_type, event_id} of the event whose handler this code runs in, as far as known."""
    return _event.get()


def service_name() -> str | None:
    return _service[0] if _service else None


@dataclass
class Binding:
    id_token: Token
    event_token: Token


def bind(correlation_id: str | None, event_type: str | None = None, event_id: str | None = None) -> Binding:
    """Make `correlation_id` (and the event, if any) current in this greenlet/thread until `unbind`."""
    event = {k: v for k, v in (("event_type", event_type), ("event_id", event_id)) if v} or None
    return Binding(_current.set(correlation_id), _event.set(event))


def unbind(binding: Binding) -> None:
    _current.reset(binding.id_token)
    _event.reset(binding.event_token)


@contextmanager
def bound(correlation_id: str | None, event_type: str | None = None, event_id: str | None = None) -> Iterator[str]:
    """`with bound(cid):` the block's log lines (and events it stores) carry `cid`."""
    binding = bind(correlation_id, event_type, event_id)
    try:
        yield correlation_id
    finally:
        unbind(binding)


def entrypoint_kind(entrypoint: object) -> str:
    for cls, kind in ((Rpc, "rpc"), (EventHandler, "event"), (Timer, "timer")):
        if isinstance(entrypoint, cls):
            return kind
    return type(entrypoint).__name__.lower()


def event_of(worker_ctx: WorkerContext) -> dict:
    """{event_type, event_id} of an event handler's worker ({} for other entrypoints)."""
    entrypoint = worker_ctx.entrypoint
    if not isinstance(entrypoint, EventHandler):
        return {}
    payload = worker_ctx.args[0] if worker_ctx.args else None
    event_id = payload.get("event_id") if isinstance(payload, dict) else None
    return {"event_type": entrypoint.event_type, "event_id": str(event_id) if event_id else None}


class Correlation(DependencyProvider):
    """Binds each worker's correlation id (its caller's, or a fresh one) for its log lines and its
    calls, and logs one line when the worker ends: entrypoint, outcome (ok; refused: a ServiceError, the
    caller's to fix; error: anything else, at ERROR with its traceback), duration. At INFO for RPCs and
    event handlers; `ping`, timers and other consumers (print agents' heartbeats), which run all the
    time, at DEBUG unless they fail. (nameko's own line for a failed worker is left out: logs.ContextFilter.)"""

    def __init__(self) -> None:
        self._workers: dict = {}

    def setup(self) -> None:
        if not _service:
            _service.append(self.container.service_name)

    def worker_setup(self, worker_ctx: WorkerContext) -> None:
        correlation_id = worker_ctx.data.get(KEY)
        if not well_formed(correlation_id):
            correlation_id = new_id()
        worker_ctx.data[KEY] = correlation_id  # nested RPCs send it on
        binding = bind(correlation_id, **event_of(worker_ctx))
        self._workers[worker_ctx] = (binding, time.perf_counter())

    def worker_result(self, worker_ctx: WorkerContext, result: object = None, exc_info: tuple | None = None) -> None:
        started = self._workers.get(worker_ctx, (None, None))[1]
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)
        name = f"{worker_ctx.service_name}.{entrypoint.method_name}"
        seconds = time.perf_counter() - started
        fields = {"entrypoint": name, "kind": kind, "duration_ms": round(seconds * 1000, 1)}
        if exc_info is not None and isinstance(exc_info[1], ServiceError):  # a domain answer: not found, bad input
            fields.update(outcome="refused", error=exc_info[0].__name__)
            log.info("%s %s refused after %.3fs: %s", kind, name, seconds, fields["error"], extra=fields)
            return
        if exc_info is not None:
            error = exc_info[0].__name__
            remote = getattr(exc_info[1], "exc_type", None)  # a RemoteError: what the called service raised
            fields.update(outcome="error", error=f"{error}: {remote}" if remote else error)
            # the traceback, but once: an event handler's failure is logged by its handler (handlers.handle_once)
            log.error("%s %s failed after %.3fs: %s", kind, name, seconds, fields["error"], extra=fields,
                      exc_info=exc_info if kind != "event" else None)
            return
        fields["outcome"] = "ok"
        quiet = kind not in ("rpc", "event") or entrypoint.method_name in QUIET_METHODS
        log.log(logging.DEBUG if quiet else logging.INFO, "%s %s done in %.3fs", kind, name, seconds, extra=fields)

    def worker_teardown(self, worker_ctx: WorkerContext) -> None:
        binding = self._workers.pop(worker_ctx, (None, None))[0]
        if binding is not None:
            try:
                unbind(binding)
            except (ValueError, RuntimeError):  # bound in another context: nothing to undo in this one
                pass
