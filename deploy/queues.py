"""The services' queues on a broker: `python -m deploy.queues check|migrate [--amqp-uri URI]`.

Every queue the services consume from is a quorum queue with a delivery limit and dead-lettering
(services/common/queues.py). An installation from before has classic queues of the same names, and
RabbitMQ refuses to declare an existing queue with other arguments (PRECONDITION_FAILED): the services
would not start. `migrate` (run by `make up` / `python -m deploy.local up|run` before the services
start; in Kubernetes or docker compose run it once, with the services stopped, before rolling out)
turns each such queue into the quorum queue the services declare:

- an event handler's queue (`evt-…`): its messages are moved to a holding quorum queue
  `biye.migrating.<name>`, the old queue is deleted, the new one declared (bound to its event exchange,
  with the dead-letter exchange and queue) and the messages moved back. Each message is confirmed by
  the broker where it goes before it is taken from where it was: a run that is interrupted is finished
  by the next one (it first empties any holding queue it finds), and at worst a message is then there
  twice, which the handler drops by its event id.
- a service's RPC queue (`rpc-<service>`): deleted, and the requests still in it dropped (and counted):
  their callers gave up after RPC_TIMEOUT (30 s); running them now would do what nobody waits for.

A queue that still has consumers (processes of the old version running) is left as it is and reported:
stop them (`make down`), then run again. Queues missing altogether are declared. `check` only reports.
The broker's user needs the configure permission on the virtual host (the services' own user has it).
"""
import argparse
import sys
import warnings
from dataclasses import dataclass

from amqp.exceptions import NotFound, PreconditionFailed

from deploy.processes import SERVICE_CLASSES
from services.common.settings import setting

HOLDING_PREFIX = "biye.migrating."


@dataclass
class Outcome:
    queue: str
    state: str  # ok, declared, migrated, dropped, busy, needs_migration, absent
    moved: int = 0
    dropped: int = 0
    reason: str = ""

    def line(self) -> str:
        text = {
            "ok": "已是仲裁队列",
            "declared": "新建为仲裁队列",
            "absent": "尚不存在（服务启动时建立）",
            "migrated": "已由旧队列迁移为仲裁队列" + (f"，转移消息 {self.moved} 条" if self.moved else ""),
            "dropped": f"已由旧队列迁移为仲裁队列，丢弃过期的RPC请求 {self.dropped} 条（调用方早已超时）",
            "busy": "仍有消费者（旧版本的服务还在运行）：未迁移。请先停止这些进程（make down），再运行 "
                    "python -m deploy.queues migrate",
            "needs_migration": f"需要迁移（{self.reason}）",
        }[self.state]
        return f"{self.queue}: {text}"


def service_queues() -> list:
    """Every queue the services consume from, as they declare it (kombu QuorumQueue objects)."""
    from services.common import queues
    from services.common.events import SUBSCRIPTIONS
    return ([queues.event_queue(s.source, s.event_type, s.service, s.method) for s in SUBSCRIPTIONS]
            + [queues.rpc_queue(service) for service in SERVICE_CLASSES])


def _channel_call(conn, call):
    """call(channel) on a channel of its own (a refused declaration closes its channel)."""
    channel = conn.channel()
    try:
        return call(channel)
    finally:
        try:
            channel.close()
        except Exception:  # closed by the broker already
            pass


def queue_state(conn, name: str) -> tuple[int, int] | None:
    """(ready messages, consumers) of a queue as the broker has them now; None if there is none."""
    try:
        _, messages, consumers = _channel_call(conn, lambda ch: ch.queue_declare(name, passive=True))
    except NotFound:
        return None
    return messages, consumers


def mismatch(conn, queue) -> str | None:
    """None if the queue is (or now is) declared as the services declare it, else why not."""
    try:
        _channel_call(conn, lambda ch: queue(ch).declare())
    except PreconditionFailed as exc:
        return str(exc)
    return None


def _holding(queue_name: str):
    from kombu import Queue

    from services.common.queues import QUORUM
    return Queue(HOLDING_PREFIX + queue_name, durable=True, auto_delete=False, queue_arguments=dict(QUORUM))


def _move(conn, source: str, target: str) -> int:
    from services.common.queues import move_messages
    return _channel_call(conn, lambda ch: move_messages(ch, source, target))


def _delete(conn, name: str, if_empty: bool) -> bool:
    """Delete a classic queue unless it has consumers (or, with if_empty, messages)."""
    try:
        _channel_call(conn, lambda ch: ch.queue_delete(name, if_unused=True, if_empty=if_empty))
    except PreconditionFailed:  # a consumer came, or a message arrived, in between
        return False
    return True


def _delete_holding(conn, name: str) -> None:
    """Delete a holding queue once it is empty (a quorum queue: RabbitMQ refuses if-empty on those)."""
    state = queue_state(conn, name)
    if state is not None and state[0] == 0:
        _channel_call(conn, lambda ch: ch.queue_delete(name))


def migrate_queue(conn, queue, apply: bool = True) -> Outcome:
    """Bring one service queue to its declaration (see the module doc); with apply False, only say."""
    name = queue.name
    state = queue_state(conn, name)
    held = queue_state(conn, HOLDING_PREFIX + name)
    if not apply:
        if state is None:
            return Outcome(name, "absent")
        reason = refused(conn, queue)
        return Outcome(name, "needs_migration", reason=reason) if reason or held else Outcome(name, "ok")
    outcome = Outcome(name, "ok" if state is not None else "declared")
    if state is not None and (reason := mismatch(conn, queue)):
        messages, consumers = state
        if consumers:
            return Outcome(name, "busy", reason=reason)
        if name.startswith("rpc-"):
            outcome = Outcome(name, "dropped" if messages else "migrated", dropped=messages, reason=reason)
            if not _delete(conn, name, if_empty=False):
                return Outcome(name, "busy", reason=reason)
        else:
            outcome = Outcome(name, "migrated", reason=reason)
            _channel_call(conn, lambda ch: _holding(name)(ch).declare())
            for _ in range(3):  # a message published in between: move it too
                outcome.moved += _move(conn, name, HOLDING_PREFIX + name)
                if _delete(conn, name, if_empty=True):
                    break
            else:
                return Outcome(name, "busy", reason=reason)
            held = (outcome.moved, 0)
    still = mismatch(conn, queue)  # declares it, now that no other queue of its name is in the way
    if still:
        raise RuntimeError(f"{name}: {still}")
    if held is not None:  # this run's holding queue, or one an interrupted run left
        outcome.moved = _move(conn, HOLDING_PREFIX + name, name)
        outcome.state = "migrated"
        _delete_holding(conn, HOLDING_PREFIX + name)
    return outcome


def refused(conn, queue) -> str | None:
    """Why the broker would refuse to declare this existing queue as the services do (None if it would
    not): the queue alone is declared, which changes nothing where it exists as declared already."""
    try:
        _channel_call(conn, lambda ch: queue(ch).queue_declare())
    except PreconditionFailed as exc:
        return str(exc)
    return None


def migrate(amqp_uri: str, apply: bool = True) -> list[Outcome]:
    """Every service queue on the virtual host of `amqp_uri` brought to its declaration (see the module doc)."""
    with warnings.catch_warnings():  # nameko's import of eventlet, in every `make up`
        warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")
        from services.common.queues import connect
        wanted = service_queues()
    with connect(amqp_uri) as conn:
        conn.connect()
        return [migrate_queue(conn, queue, apply) for queue in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deploy.queues", description="各服务的消息队列：检查，或迁移为仲裁队列")
    parser.add_argument("command", choices=["check", "migrate"])
    parser.add_argument("--amqp-uri", default=setting("AMQP_URI"))
    args = parser.parse_args(argv)
    outcomes = migrate(args.amqp_uri, apply=args.command == "migrate")
    for outcome in outcomes:
        if outcome.state not in ("ok", "declared") or args.command == "check":
            print(outcome.line())
    busy = [o for o in outcomes if o.state in ("busy", "needs_migration")]
    if args.command == "migrate" and not busy:
        print(f"消息队列：{len(outcomes)} 个服务队列均为仲裁队列")
    return 1 if busy else 0


if __name__ == "__main__":
    sys.exit(main())
