"""Idempotent event handlers: the effect and the record of having handled the event commit together."""
import functools
import logging
import os
import socket
import traceback
from collections.abc import Callable

import psycopg2
import sqlalchemy as sa
from kombu.exceptions import OperationalError as BrokerUnreachable
from nameko.exceptions import RpcTimeout, UnknownService

from services.common import events, metrics
from services.common.errors import ServiceError
from services.common.faults import handler_fault_point

log = logging.getLogger(__name__)

# The pause before a failed event goes back to its queue (services.common.entrypoints, which also
# doubles it for transient failures). EVENT_RETRY_BACKOFF_SECONDS sets it (the fault tests shorten it).
RETRY_BACKOFF_SECONDS = float(os.environ.get("EVENT_RETRY_BACKOFF_SECONDS", "1.0"))

# PostgreSQL error classes that pass by themselves: connection exceptions, insufficient resources, the
# server shutting down or starting; and a serialization failure or deadlock, which a retry resolves.
TRANSIENT_SQLSTATE_PREFIXES = ("08", "53", "57P")
TRANSIENT_SQLSTATES = ("40001", "40P01")


def is_transient(exc: BaseException) -> bool:
    """A failure that passes by itself, not a bug: the database, the broker or another service out of
    reach for the moment. Its event is retried without using up its deliveries (entrypoints)."""
    if isinstance(exc, (sa.exc.DisconnectionError, sa.exc.TimeoutError)):  # a stale connection; the pool exhausted
        return True
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        exc = exc.orig
    if isinstance(exc, psycopg2.Error):
        code = exc.pgcode
        if code is None:  # no answer from a server: it could not be reached, or the connection broke
            return isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError))
        return code.startswith(TRANSIENT_SQLSTATE_PREFIXES) or code in TRANSIENT_SQLSTATES
    return isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror, BrokerUnreachable,
                            RpcTimeout, UnknownService))


def handle_once(handler_name: str) -> Callable:
    """Wrap `method(self, session, payload)` so a redelivered event changes nothing.

    Use under services.common.entrypoints.event_handler (requeue on error). A failure that is not a
    domain error is recorded in the service's event_failures (outcome "retrying", with its error, in a
    transaction of its own) and raised: the entrypoint returns the event to its queue after a pause,
    and its quorum queue dead-letters it after queues.DELIVERY_LIMIT returns (a bug fails every time;
    a transient failure, is_transient, is retried without counting). When a later delivery succeeds,
    the row says "handled". A domain error (ServiceError: the event names something that does not
    exist, a state that no longer allows it) would fail the same way forever: it is logged, recorded
    in event_failures as "gave_up", and the event recorded as handled, so it neither loops nor holds a
    worker. So is a payload of a version the handler does not read (events.accept: a newer producer
    deployed before its consumer).
    """
    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, payload: dict):
            try:
                result = None
                with self.db.transaction() as session:
                    if self.db.claim(session, payload["event_id"], handler_name):
                        events.accept(handler_name, payload)  # a version it does not read: a domain error
                        handler_fault_point(handler_name)
                        outcome = metrics.HANDLED
                        result = method(self, session, payload)
                        self.db.resolve_failure(session, payload["event_id"], handler_name)
                    else:
                        outcome = metrics.DUPLICATE
                        log.info("%s: event %s already handled", handler_name, payload["event_id"])
                metrics.EVENTS_HANDLED.labels(handler_name, outcome).inc()  # committed
                return result
            except ServiceError as exc:
                log.error("%s gave up on event %s: %s", handler_name, payload.get("event_id"), exc.message)
                with self.db.transaction() as session:
                    if self.db.claim(session, payload["event_id"], handler_name):
                        self.db.gave_up(session, payload["event_id"], handler_name,
                                        _event_type(self, handler_name), payload, exc.message)
                metrics.EVENTS_HANDLED.labels(handler_name, metrics.GAVE_UP).inc()
                return None
            except Exception as exc:
                metrics.EVENTS_HANDLED.labels(handler_name, metrics.RETRY).inc()
                log.exception("%s failed on event %s; it will be redelivered", handler_name, payload.get("event_id"))
                _record_failure(self, handler_name, payload, exc)
                raise
        return wrapper
    return decorate


def _event_type(service, handler_name: str) -> str | None:
    """The event a handler takes: its entrypoint's, else the one SUBSCRIPTIONS lists for it."""
    entrypoint = getattr(getattr(service.db, "worker_ctx", None), "entrypoint", None)
    return getattr(entrypoint, "event_type", None) or events.handled_event(handler_name)


def _record_failure(service, handler_name: str, payload: dict, exc: Exception) -> None:
    """The failure in event_failures, in a transaction of its own; only logged if that fails too
    (the database away: the event goes back to its queue all the same)."""
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        service.db.record_failure(str(payload.get("event_id")), handler_name, _event_type(service, handler_name),
                                  payload, error, trace)
    except Exception as record_exc:
        log.warning("%s: the failure on event %s was not recorded: %s", handler_name, payload.get("event_id"),
                    record_exc)
