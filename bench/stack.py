"""The system under measurement, run as deploy/processes.py runs it: every service a real `nameko run`
process, the gateway under gunicorn on a free port, on a database and a RabbitMQ virtual host of the
bench's own. `close()` stops every process it started and deletes the virtual host."""
import os
import resource
import signal
import subprocess
import time
import uuid
from urllib.parse import quote

import psutil
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from deploy import databases
from deploy.processes import SERVICE_CLASSES, free_port, gateway_argv, service_argv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
RABBIT_API = os.environ.get("RABBIT_API", "http://127.0.0.1:15672/api")
RABBIT_AUTH = ("guest", "guest")
READY_TIMEOUT = 120


class Stack:
    def __init__(self, database_url: str):
        self.database_url = database_url
        self.vhost = f"biye-bench-{uuid.uuid4().hex[:8]}"
        self.amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{quote(self.vhost, safe='')}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_dir = os.path.join(OUT, "logs")
        self.upload_dir = os.path.join(OUT, "uploads")
        self.procs: dict[str, subprocess.Popen] = {}
        self.vhost_made = False

    @property
    def env(self) -> dict:
        return dict(os.environ, AMQP_URI=self.amqp_uri, DATABASE_URL=self.database_url, UPLOAD_DIR=self.upload_dir,
                    PYTHONWARNINGS="ignore")

    # -- life cycle ---------------------------------------------------------------------------------
    def open(self) -> None:
        os.makedirs(self.log_dir, exist_ok=True)
        os.makedirs(self.upload_dir, exist_ok=True)
        for name in os.listdir(self.log_dir):  # this run's logs only
            os.remove(os.path.join(self.log_dir, name))
        databases.recreate(self.database_url)
        vhost = quote(self.vhost, safe="")
        requests.put(f"{RABBIT_API}/vhosts/{vhost}", auth=RABBIT_AUTH, timeout=10).raise_for_status()
        self.vhost_made = True
        requests.put(f"{RABBIT_API}/permissions/{vhost}/guest", auth=RABBIT_AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()

    def start(self, grading_workers: int = 1) -> None:
        """Every service (grading `grading_workers` times) and the gateway, once each answers."""
        for service in SERVICE_CLASSES:
            self._spawn(service if service != "grading" else "grading-1", service_argv(service))
        for service in SERVICE_CLASSES:
            self._wait_ping(service)
        for _ in range(grading_workers - 1):
            self.add_grading_worker()
        self._spawn("gateway", gateway_argv(self.port))
        self._wait_healthy()

    def close(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.vhost_made:
            requests.delete(f"{RABBIT_API}/vhosts/{quote(self.vhost, safe='')}", auth=RABBIT_AUTH, timeout=10)
            self.vhost_made = False

    # -- grading workers ----------------------------------------------------------------------------
    def grading_names(self) -> list[str]:
        return sorted((n for n in list(self.procs) if n.startswith("grading-")), key=lambda n: int(n[8:]))

    def grading_pids(self) -> list[int]:
        procs = dict(self.procs)  # read from the RSS watch's thread too
        return [p.pid for n, p in procs.items() if n.startswith("grading-")]

    def add_grading_worker(self) -> None:
        name = f"grading-{len(self.grading_names()) + 1}"
        offset = self._spawn(name, service_argv("grading"))
        self._wait_log(name, offset, b"Connected to amqp")

    def stop_grading_worker(self) -> None:
        self.stop(self.grading_names()[-1])

    # -- processes ----------------------------------------------------------------------------------
    def _log_path(self, name: str) -> str:
        return os.path.join(self.log_dir, f"{name}.log")

    def _spawn(self, name: str, argv: list[str]) -> int:
        log = open(self._log_path(name), "ab")
        offset = log.tell()
        self.procs[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        log.close()
        return offset

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass

    def _check_alive(self, name: str) -> None:
        if self.procs[name].poll() is not None:
            raise RuntimeError(f"{name} exited: see {self._log_path(name)}")

    def _wait_ping(self, service: str) -> None:
        name = "grading-1" if service == "grading" else service
        deadline = time.monotonic() + READY_TIMEOUT
        with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=2) as proxy:
            while time.monotonic() < deadline:
                self._check_alive(name)
                try:
                    getattr(proxy, service).ping()
                    return
                except Exception:
                    time.sleep(0.3)
        raise TimeoutError(f"{service} not ready: see {self._log_path(name)}")

    def _wait_log(self, name: str, offset: int, marker: bytes) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive(name)
            with open(self._log_path(name), "rb") as log:
                log.seek(offset)
                if marker in log.read():
                    return
            time.sleep(0.2)
        raise TimeoutError(f"{name} not consuming: see {self._log_path(name)}")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive("gateway")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=10).json().get("status") == "ok":
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise TimeoutError(f"gateway not healthy: see {self._log_path('gateway')}")


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time used so far by each process the bench started (with its children: gunicorn's workers),
    by PostgreSQL (every server process, other databases' too) and by RabbitMQ."""
    totals: dict[str, float] = {}

    def add(key: str, proc: psutil.Process) -> None:
        try:
            t = proc.cpu_times()
            totals[key] = totals.get(key, 0.0) + t.user + t.system
        except psutil.Error:
            pass

    for name, popen in dict(stack.procs).items():
        try:
            parent = psutil.Process(popen.pid)
            for proc in [parent, *parent.children(recursive=True)]:
                add(name, proc)
        except psutil.Error:
            pass
    servers = {p.pid: p for p in psutil.process_iter(["name", "username", "ppid"])
               if p.info["username"] == "postgres" and (p.info["name"] or "").startswith("postgres")}
    for proc in servers.values():
        add("postgres", proc)
        if proc.info["ppid"] not in servers:  # the postmaster: also the backends that have exited since
            try:
                t = proc.cpu_times()
                totals["postgres"] += t.children_user + t.children_system
            except psutil.Error:
                pass
    for proc in psutil.process_iter(["name"]):
        if (proc.info["name"] or "").startswith("beam"):
            add("rabbitmq", proc)
    add("bench", psutil.Process())
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children waited for: the HTTP load client
    totals["bench"] += done.ru_utime + done.ru_stime
    machine = psutil.cpu_times()
    totals["machine"] = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
    return totals


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPU seconds used between two `cpu_seconds()`, per process; `others`: every process on the
    machine that is not the bench's, PostgreSQL or RabbitMQ (other work sharing the machine)."""
    used = {k: after[k] - before.get(k, 0.0) for k in after}
    machine = used.pop("machine")
    used["others"] = max(0.0, machine - sum(used.values()))
    return {k: round(v, 1) for k, v in used.items() if v >= 0.05}


class RssMonitor:
    """The peak resident memory of processes, polled with psutil (call `poll()` often)."""

    def __init__(self):
        self.peak_bytes = 0

    def poll(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                self.peak_bytes = max(self.peak_bytes, psutil.Process(pid).memory_info().rss)
            except psutil.Error:
                pass

    @property
    def peak_mb(self) -> float:
        return round(self.peak_bytes / 2**20, 1)
