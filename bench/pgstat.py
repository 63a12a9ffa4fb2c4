"""Where the database's time goes: the top statements of a measured stretch, from pg_stat_statements.

PostgreSQL loads the module only at its start (`deploy/setup.sh bench` sees to it); without it the
figures are absent and the report says why.
"""
import re

import sqlalchemy as sa

TOP = 15


def enable(engine: sa.Engine) -> str | None:
    """Ready the view in the bench's database; None, or why it cannot be had."""
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
            conn.execute(sa.text("SELECT 1 FROM pg_stat_statements LIMIT 1")).all()
    except sa.exc.DBAPIError as exc:
        return f"pg_stat_statements unavailable ({str(exc.orig).strip().splitlines()[0]}): run deploy/setup.sh bench"
    return None


def reset(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_stat_statements_reset()"))


def top(engine: sa.Engine, n: int = TOP) -> dict:
    """{total_ms, calls, statements: [{query, calls, rows, total_ms, mean_ms, share}]} of this database
    since the last reset, the statements by total time."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text("""
            SELECT query, calls, rows, total_exec_time AS total_ms, mean_exec_time AS mean_ms
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query NOT ILIKE '%pg_stat_statements%'
             ORDER BY total_exec_time DESC""")).mappings().all()
    total = sum(r["total_ms"] for r in rows) or 1.0
    return {
        "total_ms": round(total), "calls": sum(r["calls"] for r in rows),
        "statements": [{"query": shorten(r["query"]), "calls": r["calls"], "rows": r["rows"],
                        "total_ms": round(r["total_ms"]), "mean_ms": round(r["mean_ms"], 3),
                        "share": round(r["total_ms"] / total, 3)} for r in rows[:n]],
    }


def shorten(query: str, width: int = 220) -> str:
    one_line = re.sub(r"\s+", " ", query).strip()
    return one_line if len(one_line) <= width else one_line[:width - 1] + "…"
