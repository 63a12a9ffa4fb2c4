"""Named fault points for fault tests. FAULTS is a comma-separated list:

- "after_commit" makes the process die right there (between a commit and its relay or its ack);
- "bug:<service>.<method>" makes that event handler (or a method calling bug_point) fail every time, as a
  bug would (InjectedBug);
- "outage:<service>.<method>" makes it fail as if the database were out of reach (InjectedOutage, a
  ConnectionError: a transient failure, handlers.is_transient).

Production never sets FAULTS; the kill tests use it to stop a process at an exact moment that a random
kill would hit only by luck, the dead-letter tests to have a handler fail until it is "fixed"
(started again without it).
"""
import os


class InjectedBug(RuntimeError):
    """The failure FAULTS="bug:<handler>" injects: not a domain error, not transient."""


class InjectedOutage(ConnectionError):
    """The failure FAULTS="outage:<handler>" injects: transient."""


def _faults() -> list[str]:
    return os.environ.get("FAULTS", "").split(",")


def fault_point(name: str) -> None:
    if name in _faults():
        os._exit(137)


def bug_point(name: str) -> None:
    """Raise InjectedBug if FAULTS names this point ("bug:review.on_chunk_verified", "bug:review.create_review")."""
    if f"bug:{name}" in _faults():
        raise InjectedBug(f"故障注入：{name} 的缺陷（FAULTS=bug:{name}）")


def handler_fault_point(handler: str) -> None:
    """Raise what FAULTS asks of this event handler ("bug:<handler>", "outage:<handler>"), if anything."""
    bug_point(handler)
    if f"outage:{handler}" in _faults():
        raise InjectedOutage(f"故障注入：{handler} 暂时连不上数据库（FAULTS=outage:{handler}）")
