"""What every service tells about its event handlers' failures (its table event_failures), for the
province admin's page 消息处理故障 (gateway/api/dead_letters.py): rows with their payload summarised and
ID numbers masked (payloads carry whole graduate lists); and a discarded dead message's row closed.

`summary` and `masked` are also how the gateway shows a dead-lettered message's payload."""
import re

from services.common import idnumber
from services.common.declarations import ENVELOPE
from services.common.entrypoints import rpc
from services.common.errors import BadInput
from services.common.messaging import DISCARDED, OUTCOMES

MAX_ROWS = 500
MAX_TEXT = 120
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9Xx])")


def masked(text: str) -> str:
    """ID numbers in a text masked, as every list shows them (610502********123X)."""
    return ID_NUMBER.sub(lambda m: idnumber.mask(m.group(0)), text)


def summary(body: object) -> dict:
    """The top-level fields of a payload but its envelope (version, event id), small: a list as its length,
    an object as its keys, texts cut and ID numbers masked."""
    if not isinstance(body, dict):
        return {}
    shown: dict = {}
    for key, value in body.items():
        if key in ENVELOPE:  # shown beside it already
            continue
        if isinstance(value, list):
            shown[key] = f"[{len(value)}项]"
        elif isinstance(value, dict):
            shown[key] = "{" + ", ".join(list(value)[:8]) + "}"
        elif isinstance(value, str):
            shown[key] = masked(value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…")
        else:
            shown[key] = value
    return shown


def _view(row: dict) -> dict:
    return {**row, "payload": summary(row["payload"]), "last_error": masked(row["last_error"] or ""),
            "last_trace": masked(row["last_trace"] or ""),
            **{k: row[k].isoformat() if row[k] else None for k in ("first_failed_at", "last_failed_at", "handled_at")}}


class FailuresMixin:
    """`event_failures`: the failure rows of this service's handlers (services.common.messaging);
    `discard_failure`: the row of a dead message the province admin discarded."""

    @rpc
    def event_failures(self, outcomes: list | None = None, event_ids: list | None = None,
                       limit: int = 200) -> list[dict]:
        """Failure rows, newest failure first: of these outcomes (retrying, gave_up, handled, discarded), or
        of these events; each with its handler, event, payload summary, attempts, last error and times."""
        if outcomes and not set(outcomes) <= set(OUTCOMES):
            raise BadInput(f"outcomes 只能是 {', '.join(OUTCOMES)}")
        with self.db.transaction() as session:
            rows = self.db.messaging.failure_rows(session, outcomes, event_ids, max(1, min(int(limit), MAX_ROWS)))
        return [_view(r) for r in rows]

    @rpc
    def discard_failure(self, event_id: str, handler: str) -> bool:
        """The dead message of this event and handler was discarded: its row says so (no longer retrying).
        False if there was no such row still retrying."""
        with self.db.transaction() as session:
            return self.db.messaging.settle_failure(session, event_id, handler, DISCARDED)
