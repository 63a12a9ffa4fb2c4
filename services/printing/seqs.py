"""`only_seq`: which certificates, by their seq in the graduate list, to render or print; None for all.

The one check of it, for the printing service's RPCs, the jobs it stores and the gateway's query strings.
"""
from services.common.errors import BadInput

LIST_HINT = "only_seq 应为名单序号（正整数）的列表，例如 [1]"
QUERY_HINT = "only_seq 应为逗号分隔的名单序号，例如 only_seq=1,2"


def checked_only_seq(value: object, hint: str = LIST_HINT) -> list[int] | None:
    """Distinct positive seqs in ascending order; None (every certificate) when none are given."""
    if not value:
        return None
    if not isinstance(value, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0
                                              for s in value):
        raise BadInput(hint)
    return sorted(set(value))


def only_seq_of_query(raw: str | None) -> list[int] | None:
    """`?only_seq=1,2`, checked as `checked_only_seq` checks a list."""
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(p.isdecimal() for p in parts):
        raise BadInput(QUERY_HINT)
    return checked_only_seq([int(p) for p in parts], QUERY_HINT)
