"""Every request's id (X-Request-ID), the correlation id of all the work it causes.

A well-formed `X-Request-ID` of the request (services.common.correlation.WELL_FORMED: 8 to 128 letters,
digits and . _ : -, e.g. a proxy's UUID) is kept, anything else replaced by a fresh one. It is bound
for the request's log lines (services.common.logs), sent with every RPC (gateway/rpc.py, and from
there with every RPC and event the services make for it), returned in the answer's `X-Request-ID`,
and quoted in a 500 answer (gateway/errors.py), so a clerk's report leads to every log line of the request.

Each request ends with one log line (logger `gateway.requests`): method, path, status, duration; health
checks and static files at DEBUG.
"""
import logging
import time

from flask import Flask, Response, g, has_request_context, request

from services.common import correlation

HEADER = correlation.HTTP_HEADER
QUIET_ENDPOINTS = frozenset({"static", "system.health"})  # asked all the time: DEBUG unless they fail

log = logging.getLogger("gateway.requests")


def request_id() -> str | None:
    """This request's id (made on first use: an error answer before the hooks below ran still has one);
    None outside of a request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get(HEADER, "").strip()
        g.request_id = given if correlation.well_formed(given) else correlation.new_id()
    return g.request_id


def init_app(app: Flask) -> None:
    """Bind each request's id before any other hook of `app`, answer with it, log the request's line."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_answered)
    app.teardown_request(_end)


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.correlation_binding = correlation.bind(request_id())


def _answered(response: Response) -> Response:
    rid = request_id()
    response.headers[HEADER] = rid
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    status = response.status_code
    if status >= 500:
        level = logging.WARNING
    elif status < 400 and request.endpoint in QUIET_ENDPOINTS:
        level = logging.DEBUG
    else:
        level = logging.INFO
    # the id in `extra` too: a line logged after the teardown of a failed hook still has it
    log.log(level, "%s %s %d in %.3fs", request.method, request.path, status, seconds,
            extra={"correlation_id": rid, "method": request.method, "path": request.path, "status": status,
                   "duration_ms": round(seconds * 1000, 1)})
    return response


def _end(exc: BaseException | None = None) -> None:
    binding = g.pop("correlation_binding", None)
    if binding is not None:
        try:
            correlation.unbind(binding)
        except (ValueError, RuntimeError):  # bound in another context (a streamed answer): nothing to undo here
            pass
