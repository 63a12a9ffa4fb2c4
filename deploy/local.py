"""Run the whole system on this machine: `python -m deploy.local up|down|run|status|createdb`.

`up` starts every process in the background (pid files in var/run, logs in var/log/<name>.log),
waits until the gateway reports every service healthy and prints the URL; it is idempotent.
`run` does the same in the foreground until Ctrl-C. `down` stops what `up` started. Before starting
services, `up` and `run` turn classic queues a broker kept from an older version into the quorum
queues the services declare (deploy/queues.py).
Each service process serves Prometheus metrics on a port of its own (from METRICS_BASE_PORT + 1,
default 9301; `status` lists them), the gateway at /metrics on GATEWAY_PORT.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from deploy import databases, queues
from deploy.processes import METRICS_BASE_PORT, Proc, all_processes
from services.common.settings import setting

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_DIR = os.path.join(ROOT, "var", "run")
LOG_DIR = os.path.join(ROOT, "var", "log")
HEALTH_TIMEOUT = 120


def port() -> int:
    return int(os.environ.get("GATEWAY_PORT", "8000"))


def grading_workers() -> int:
    return int(os.environ.get("GRADING_WORKERS", "2"))


def processes() -> list[Proc]:
    return all_processes(port(), grading_workers(), int(os.environ.get("METRICS_BASE_PORT", METRICS_BASE_PORT)))


def createdb(url: str | None = None) -> None:
    """Create the database named in DATABASE_URL if it does not exist yet."""
    url = url or setting("DATABASE_URL")
    if databases.create(url):
        print(f"created database {url.rpartition('/')[2]}")


def migrate_queues() -> bool:
    """The services' queues made quorum queues before the services declare them (deploy/queues.py):
    a broker kept from an older version holds classic queues of the same names. False if one could
    not be (old processes still consuming)."""
    try:
        outcomes = queues.migrate(setting("AMQP_URI"))
    except Exception as exc:  # the broker away, or refusing: nothing can start without it
        print(f"无法检查消息服务器上的队列（{exc}）：请确认 RabbitMQ 已启动（make setup-demo）", file=sys.stderr)
        return False
    for outcome in outcomes:
        if outcome.state not in ("ok", "declared"):
            print(outcome.line())
    return not any(o.state == "busy" for o in outcomes)


def pid_path(name: str) -> str:
    return os.path.join(RUN_DIR, f"{name}.pid")


def running_pid(name: str) -> int | None:
    try:
        pid = int(open(pid_path(name)).read().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def spawn(proc: Proc, background: bool) -> subprocess.Popen:
    log = open(os.path.join(LOG_DIR, f"{proc.name}.log"), "ab")
    env = dict(os.environ, **proc.env, PYTHONWARNINGS="ignore::DeprecationWarning")
    return subprocess.Popen(proc.argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=background)


def health() -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port()}/api/v1/health", timeout=10) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as err:
        return json.load(err)
    except (OSError, ValueError):
        return None


def wait_healthy() -> bool:
    deadline = time.monotonic() + HEALTH_TIMEOUT
    last = None
    while time.monotonic() < deadline:
        last = health()
        if last and last.get("status") == "ok":
            return True
        time.sleep(1)
    print(f"not healthy after {HEALTH_TIMEOUT}s: {last}; see the logs in {LOG_DIR}", file=sys.stderr)
    return False


def up() -> int:
    os.makedirs(RUN_DIR, exist_ok=True)
    os.makedirs(LOG_DIR, exist_ok=True)
    createdb()
    if not all(running_pid(p.name) for p in processes()) and not migrate_queues():
        return 1
    for proc in processes():
        if running_pid(proc.name):
            continue
        child = spawn(proc, background=True)
        with open(pid_path(proc.name), "w") as f:
            f.write(str(child.pid))
        print(f"started {proc.name} (pid {child.pid}, log var/log/{proc.name}.log)")
    if not wait_healthy():
        return 1
    print(f"ready: http://127.0.0.1:{port()}/")
    return 0


def down() -> int:
    if not os.path.isdir(RUN_DIR):
        return 0
    pids = {}
    for entry in os.listdir(RUN_DIR):
        name = entry.removesuffix(".pid")
        pid = running_pid(name)
        if pid:
            os.killpg(pid, signal.SIGTERM)
            pids[name] = pid
        os.remove(pid_path(name))
    deadline = time.monotonic() + 15
    for name, pid in pids.items():
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
                time.sleep(0.2)
            except OSError:
                break
        else:
            os.killpg(pid, signal.SIGKILL)
        print(f"stopped {name}")
    return 0


def run() -> int:
    os.makedirs(LOG_DIR, exist_ok=True)
    createdb()
    if not migrate_queues():
        return 1
    children = [(p.name, spawn(p, background=False)) for p in processes()]
    print(f"starting; logs in var/log; http://127.0.0.1:{port()}/ — Ctrl-C stops everything")
    try:
        wait_healthy() and print("ready")
        while all(child.poll() is None for _, child in children):
            time.sleep(1)
        for name, child in children:
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping the rest", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for _, child in children:
            if child.poll() is None:
                child.terminate()
        for _, child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


def status() -> int:
    print(json.dumps(health(), ensure_ascii=False, indent=2))
    for proc in processes():
        where = f"127.0.0.1:{proc.env['METRICS_PORT']}" if "METRICS_PORT" in proc.env else f"127.0.0.1:{port()}"
        print(f"metrics of {proc.name}: http://{where}/metrics")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="deploy.local")
    parser.add_argument("command", choices=["up", "down", "run", "status", "createdb"])
    command = parser.parse_args().command
    if command == "createdb":
        createdb()
        return 0
    return {"up": up, "down": down, "run": run, "status": status}[command]()


if __name__ == "__main__":
    sys.exit(main())
