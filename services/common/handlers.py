"""Idempotent event handlers: the effect and the record of having handled the event commit together."""
import functools
import logging
from collections.abc import Callable

import eventlet

from services.common import events, metrics
from services.common.errors import ServiceError

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 1.0


def handle_once(handler_name: str) -> Callable:
    """Wrap `method(self, session, payload)` so a redelivered event changes nothing.

    Use under `@event_handler(..., requeue_on_error=True)`. A transient failure (database or broker
    away) waits a moment and raises, so the message goes back to the queue instead of being lost or
    spun on. A domain error (ServiceError: the event names something that does not exist, a state
    that no longer allows it) would fail the same way forever: it is logged and the event is
    recorded as handled, so it neither loops nor holds a worker. So is a payload of a version the
    handler does not read (events.accept: a newer producer deployed before its consumer).
    """
    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, payload: dict):
            try:
                result = None
                with self.db.transaction() as session:
                    if self.db.claim(session, payload["event_id"], handler_name):
                        events.accept(handler_name, payload)  # a version it does not read: a domain error
                        outcome = metrics.HANDLED
                        result = method(self, session, payload)
                    else:
                        outcome = metrics.DUPLICATE
                        log.info("%s: event %s already handled", handler_name, payload["event_id"])
                metrics.EVENTS_HANDLED.labels(handler_name, outcome).inc()  # committed
                return result
            except ServiceError as exc:
                log.error("%s gave up on event %s: %s", handler_name, payload.get("event_id"), exc.message)
                with self.db.transaction() as session:
                    self.db.claim(session, payload["event_id"], handler_name)
                metrics.EVENTS_HANDLED.labels(handler_name, metrics.GAVE_UP).inc()
                return None
            except Exception:
                metrics.EVENTS_HANDLED.labels(handler_name, metrics.RETRY).inc()
                log.exception("%s failed on event %s; it will be redelivered", handler_name, payload.get("event_id"))
                eventlet.sleep(RETRY_BACKOFF_SECONDS)
                raise
        return wrapper
    return decorate
