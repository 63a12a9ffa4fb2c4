"""Messages the services could not handle, for the province admin (page 消息处理故障, /admin/messages):
the dead-letter queue beside the failures the handlers recorded, the domain errors they gave up on, and
replaying (or discarding) a dead message. Replays and discards are audited (message.replay, message.discard).

Each service keeps its handlers' failures in its own table event_failures (services/common/messaging.py)
and tells them through its RPC `event_failures`; a dead message and its failure row meet by event id
and handler. gateway/dead_letters.py reads and takes messages from the dead-letter queue.
"""
import logging

from flask import Blueprint, current_app, g, jsonify, request
from kombu.exceptions import OperationalError as BrokerUnreachable

from gateway import audit, dead_letters
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import json_body, rpc
from gateway.roles import PROVINCE_ADMIN
from services.common import queues
from services.common.errors import BadInput, Conflict, NotFound, ServiceError
from services.common.events import SUBSCRIPTIONS
from services.common.messaging import GAVE_UP, RETRYING

log = logging.getLogger(__name__)

bp = Blueprint("dead_letters", __name__, url_prefix="/api/v1")

FAILURES_TIMEOUT = 5.0
DEFAULT_LIMIT = 200
MAX_LIMIT = 500


class BrokerUnavailable(ServiceError):
    status = 503
    code = "broker_unavailable"


def handling_services() -> list[str]:
    """The services whose handlers may have failed: those of SUBSCRIPTIONS (config EVENT_SERVICES overrides)."""
    configured = current_app.config.get("EVENT_SERVICES")
    return list(configured) if configured else sorted({s.service for s in SUBSCRIPTIONS})


def _failures_of(calls: dict[str, dict]) -> tuple[list[dict], list[str]]:
    """Each service's event_failures(**kwargs) asked at once: (rows, services that did not answer)."""
    proxy = rpc().with_timeout(FAILURES_TIMEOUT)
    replies = {}
    for service, kwargs in calls.items():
        try:
            replies[service] = getattr(proxy, service).event_failures.call_async(**kwargs)
        except Exception as exc:  # the broker unreachable
            replies[service] = exc
    rows, silent = [], []
    for service, reply in replies.items():
        try:
            if isinstance(reply, Exception):
                raise reply
            rows += [{**row, "service": service} for row in reply.result()]
        except Exception as exc:
            log.warning("event_failures of %s: %s", service, exc)
            silent.append(service)
    if silent:
        rpc().reset()
    return rows, silent




def _limit() -> int:
    value = request.args.get("limit", "")
    if value and (not value.isdigit() or int(value) < 1):
        raise BadInput("limit 应为正整数")
    return min(int(value or DEFAULT_LIMIT), MAX_LIMIT)


def _amqp_uri() -> str:
    return current_app.config["AMQP_URI"]


@bp.get("/dead-letters")
@login_required(PROVINCE_ADMIN)
def listing():
    """The dead-letter queue: {total, messages, unavailable, delivery_limit}, each message with its queue,
    handler, event, when and why it was dead-lettered, a summary of its payload, and its handler's failure
    row (attempts, first and last failure, last error) or null. `unavailable`: services that did not say."""
    try:
        found = dead_letters.listing(_amqp_uri(), _limit())
    except (BrokerUnreachable, OSError) as exc:
        log.warning("dead-letter queue not read: %s", exc)
        raise BrokerUnavailable("无法连接消息服务器，读不到死信队列，请稍后重试") from None
    wanted: dict[str, list[str]] = {}
    for message in found["messages"]:
        if message["event_id"] and message["service"]:
            wanted.setdefault(message["service"], []).append(message["event_id"])
    rows, silent = _failures_of({s: {"event_ids": ids} for s, ids in wanted.items()})
    by_key = {(r["event_id"], r["handler"]): r for r in rows}
    messages = [{**m, "failure": by_key.get((m["event_id"], m["handler"]))} for m in found["messages"]]
    return jsonify({"total": found["total"], "messages": messages, "unavailable": silent,
                    "delivery_limit": queues.DELIVERY_LIMIT})


@bp.get("/event-failures")
@login_required(PROVINCE_ADMIN)
def failures():
    """Failures the services' event handlers recorded, newest first: outcome=gave_up (domain errors they gave
    up on; the event counts as handled) or retrying (failing now: until a delivery succeeds or the message is
    dead-lettered). {failures, unavailable}."""
    outcome = request.args.get("outcome") or GAVE_UP
    if outcome not in (GAVE_UP, RETRYING):
        raise BadInput(f"outcome 应为 {GAVE_UP} 或 {RETRYING}")
    limit = _limit()
    rows, silent = _failures_of({s: {"outcomes": [outcome], "limit": limit} for s in handling_services()})
    rows.sort(key=lambda r: r["last_failed_at"] or "", reverse=True)
    return jsonify({"failures": rows[:limit], "unavailable": silent})


def _taken(replay: bool):
    body = json_body('{"queue","message_id"}')
    queue, message_id = str(body.get("queue") or ""), str(body.get("message_id") or "")
    if not queue or not message_id:
        raise BadInput("请给出消息所在的原队列 queue 和消息编号 message_id")
    origin = queues.origin_of(queue)
    if replay and origin["kind"] != "event":
        raise Conflict("只有事件消息可以重新投递：RPC请求的调用方早已超时，重新执行它没有人等待结果；可以丢弃")
    try:
        taken = dead_letters.take(_amqp_uri(), queue, message_id, replay)
    except dead_letters.QueueNotFound:
        raise Conflict(f"原队列 {queue} 不存在（处理它的服务从未在此运行，或已下线）：无法重新投递") from None
    except (BrokerUnreachable, OSError) as exc:
        log.warning("dead-letter queue not read: %s", exc)
        raise BrokerUnavailable("无法连接消息服务器，请稍后重试") from None
    if taken is None:
        raise NotFound("死信队列中没有这条消息（可能已被重新投递或丢弃）")
    if not replay and taken["event_id"] and taken["service"]:
        _close_failure_row(taken)
    action = "message.replay" if replay else "message.discard"
    with connect() as conn:
        audit.record(conn, g.user, action, message_id, {
            "queue": queue, "handler": taken["handler"], "event_type": taken["event_type"],
            "reason": taken["reason"], "dead_lettered_at": taken["dead_lettered_at"]})
    log.info("%s: %s %s from %s", g.user["username"], action, message_id, queue)
    return taken


def _close_failure_row(taken: dict) -> None:
    """A discarded event's failure row is no longer retrying (its service says so; if it does not answer,
    the row stays as it was, and the message is gone all the same)."""
    try:
        getattr(rpc().with_timeout(FAILURES_TIMEOUT), taken["service"]).discard_failure(taken["event_id"],
                                                                                       taken["handler"])
    except Exception as exc:
        log.warning("failure row of %s (%s) not closed: %s", taken["event_id"], taken["handler"], exc)
        rpc().reset()


@bp.post("/dead-letters/replay")
@login_required(PROVINCE_ADMIN)
def replay():
    """Put a dead message {queue, message_id} back into the queue it came from (after the fix of what made
    it fail) and take it out of the dead-letter queue. Its handler takes it once: a repeat is dropped by its
    event id. Only event messages: an RPC request's caller gave up long ago (409)."""
    return jsonify({"replayed": _taken(replay=True)})


@bp.post("/dead-letters/discard")
@login_required(PROVINCE_ADMIN)
def discard():
    """Take a dead message {queue, message_id} out of the dead-letter queue for good, unhandled."""
    return jsonify({"discarded": _taken(replay=False)})
