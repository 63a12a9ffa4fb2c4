"""Certificate numbers under concurrent approvals: many `review_approved` events dispatched at once with
nameko's standalone event_dispatcher (as tests/integration/test_numbering.py does), the clock stopped
when numbering.certificates holds every number; then duplicates and gaps counted from the table."""
import random
import time
import uuid

import sqlalchemy as sa
from nameko.standalone.events import event_dispatcher

from bench.stack import Stack

YEARS = (2027, 2028)  # years no other part of the bench numbers: one per round


def approvals(year: int, count: int, units: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    payloads = []
    for r in range(count):
        size = rng.randint(200, 1800)
        payloads.append({
            "event_id": str(uuid.uuid4()), "review_id": str(uuid.uuid4()), "generation": 1,
            "school_code": f"N{r:04d}", "school_name": f"编号测试学校{r}", "year": year,
            "stamping_unit_code": f"{r % units + 1:02d}",
            "students": [{"seq": i, "row": i + 1, "id_number": f"61{r:04d}{year:04d}{i:08d}", "name": f"学生{i}",
                          "major_name": "计算机应用"} for i in range(1, size + 1)]})
    return payloads


def issued(engine: sa.Engine, year: int) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM numbering.certificates WHERE year = :y"),
                            {"y": year}).scalar_one()


def check(engine: sa.Engine, year: int) -> tuple[int, int]:
    """(duplicates, gaps): a unit's sequence or a person numbered twice; sequences reserved or skipped
    but not held by a certificate. Each round's people are its own (the year is in their ID numbers)."""
    with engine.connect() as conn:
        duplicates = conn.execute(sa.text("""
            SELECT (count(*) - count(DISTINCT (unit_code, sequence)))
                 + (count(*) - count(DISTINCT id_number))
            FROM numbering.certificates WHERE year = :y"""), {"y": year}).scalar_one()
        gaps = conn.execute(sa.text("""
            SELECT coalesce(sum(s.last - coalesce(c.held, 0)), 0) FROM numbering.sequences s
            LEFT JOIN (SELECT unit_code, count(DISTINCT sequence) AS held FROM numbering.certificates
                       WHERE year = :y GROUP BY unit_code) c ON c.unit_code = s.unit_code
            WHERE s.year = :y"""), {"y": year}).scalar_one()
    return int(duplicates), int(gaps)


def one_round(stack: Stack, engine: sa.Engine, year: int, count: int, units: int, timeout: float) -> dict:
    payloads = approvals(year, count, units)
    total = sum(len(p["students"]) for p in payloads)
    dispatch = event_dispatcher({"AMQP_URI": stack.amqp_uri})
    start = time.perf_counter()
    for p in payloads:
        dispatch("review", "review_approved", p)
    dispatched = time.perf_counter() - start
    while (held := issued(engine, year)) < total and time.perf_counter() - start < timeout:
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    duplicates, gaps = check(engine, year)
    return {"total": total, "held": held, "seconds": seconds, "dispatch_s": dispatched, "duplicates": duplicates,
            "gaps": gaps}


def measure(stack: Stack, engine: sa.Engine, count: int = 100, units: int = 10, timeout: float = 300) -> dict:
    rounds = [one_round(stack, engine, year, count, units, timeout) for year in YEARS]
    fastest = max(r["held"] / r["seconds"] for r in rounds)
    details = {"numbering.approvals": count, "numbering.units": units, "numbering.numbers": rounds[0]["total"],
               "numbering.seconds": [round(r["seconds"], 2) for r in rounds],
               "numbering.dispatch_s": [round(r["dispatch_s"], 2) for r in rounds]}
    missing = sum(r["total"] - r["held"] for r in rounds)
    if missing:
        details["numbering.missing"] = missing
    return {"numbering.numbers_per_s": round(fastest), "numbering.duplicates": sum(r["duplicates"] for r in rounds),
            "numbering.gaps": sum(r["gaps"] for r in rounds), "details": details}
