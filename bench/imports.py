"""Grade import against the machine's limit: the grading service's `import_grades` RPC on one school's
long grade sheet (.xlsx), against a raw read of the same file with python-calamine plus COPY of its
rows into a temporary table. The two are timed in turn, `times` times each; the medians are compared."""
import csv
import io
import os
import statistics
import time

import python_calamine
import sqlalchemy as sa
from nameko.standalone.rpc import ClusterRpcProxy

from bench import province
from bench.stack import OUT, Stack

ACTOR = {"username": "bench", "name": "基准测试", "phone": "-", "org_code": "", "org_name": "基准测试", "roles": []}


def raw_read_and_copy(engine: sa.Engine, path: str) -> tuple[float, int]:
    start = time.perf_counter()
    rows = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    buf = io.StringIO()
    csv.writer(buf).writerows(rows[1:])
    buf.seek(0)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("CREATE TEMP TABLE raw_grades (id_number text, name text, course text, term text, score text, "
                    "makeup text) ON COMMIT DROP")
        cur.copy_expert("COPY raw_grades FROM STDIN WITH (FORMAT csv)", buf)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - start, len(rows) - 1


def measure(stack: Stack, engine: sa.Engine, school: province.School, people: list[dict], times: int = 5) -> dict:
    path = os.path.join(OUT, f"grades-{school.code}-{school.students}.xlsx")
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(province.grade_sheet(school, people))
    ours, limit = [], []
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=600) as rpc:
        for _ in range(times):  # in turn: the machine's other work falls on both sides alike
            start = time.perf_counter()
            imported = rpc.grading.import_grades(school.code, path, "课程成绩.xlsx", ACTOR)["imported"]
            ours.append(time.perf_counter() - start)
            seconds, rows = raw_read_and_copy(engine, path)
            limit.append(seconds)
    if rows != imported:
        raise RuntimeError(f"the import stored {imported} grades of the file's {rows}")
    ours_s, limit_s = statistics.median(ours), statistics.median(limit)
    return {
        "import.limit_ratio": round(ours_s / limit_s, 2),
        "details": {"import.rows": rows, "import.file_mb": round(os.path.getsize(path) / 2**20, 2),
                    "import.import_grades_s": [round(s, 3) for s in ours],
                    "import.calamine_copy_s": [round(s, 3) for s in limit],
                    "import.rows_per_s": round(rows / ours_s)},
    }


def measure_registry(stack: Stack, school: province.School, people: list[dict], times: int = 3) -> dict:
    """A school's registry of 1,000 students through roster's import (all rows checked, then upserted)."""
    people = people[:1000]
    path = os.path.join(OUT, f"registry-{school.code}-{len(people)}.xlsx")
    with open(path, "wb") as f:
        f.write(province.registry_sheet(people))
    seconds = []
    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=600) as rpc:
        for _ in range(times):
            start = time.perf_counter()
            imported = rpc.roster.import_students(school.code, path, "学籍.xlsx", ACTOR)["imported"]
            seconds.append(time.perf_counter() - start)
    if imported != len(people):
        raise RuntimeError(f"the registry import stored {imported} of {len(people)} students")
    return {"import.registry_1000_s": round(statistics.median(seconds), 2),
            "details": {"import.registry_s": [round(s, 3) for s in seconds]}}
