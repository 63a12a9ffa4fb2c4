"""Services as real processes, so tests can start, stop and kill -9 them."""
import os
import signal
import subprocess
import sys
import time

from nameko.standalone.rpc import ClusterRpcProxy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log_since(log_path: str, offset: int) -> str:
    """What a process wrote to its log after `offset` (where this run of it began)."""
    with open(log_path, "rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


def wait_logged(proc: subprocess.Popen, name: str, log_path: str, offset: int, text: str, timeout: float = 30,
                what: str = "") -> None:
    """Until the process has logged `text` since `offset`; fails at once if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log_since(log_path, offset):
            return
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: see {log_path}")
        time.sleep(0.2)
    raise TimeoutError(f"{name} never logged {what or text!r}: see {log_path}")


def terminate(proc: subprocess.Popen | None, grace: float) -> None:
    """SIGTERM, and SIGKILL if the process has not ended after `grace` seconds."""
    if proc and proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class ServiceProcess:
    def __init__(self, module: str, service: str, env: dict, config: str, log_dir: str, label: str = ""):
        self.module = module  # "services.roster.service:RosterService"
        self.service = service
        self.env = env
        self.config = config
        self.log_path = os.path.join(log_dir, f"{label or service}.log")
        self.proc: subprocess.Popen | None = None

    def start(self, extra_env: dict | None = None, wait: bool = True) -> "ServiceProcess":
        env = dict(os.environ, **self.env, **(extra_env or {}), PYTHONWARNINGS="ignore")
        log = open(self.log_path, "ab")
        self.log_offset = log.tell()
        self.proc = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "nameko"), "run", "--config", self.config, self.module],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with ClusterRpcProxy({"AMQP_URI": self.env["AMQP_URI"]}, timeout=2) as proxy:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.service} exited: see {self.log_path}")
                try:
                    getattr(proxy, self.service).ping()
                    return
                except Exception:
                    time.sleep(0.3)
        raise TimeoutError(f"{self.service} not ready: see {self.log_path}")

    def wait_consuming(self, timeout: float = 60) -> None:
        """Until this very process has connected its consumers (its log says so): for a second
        process of a running service, whose ping the first one could answer."""
        self.wait_logged("Connected to amqp", timeout, what="consuming")

    def wait_logged(self, text: str, timeout: float = 30, what: str = "") -> None:
        """Until this run of the process has logged `text`."""
        wait_logged(self.proc, self.service, self.log_path, self.log_offset, text, timeout, what)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        terminate(self.proc, 20)

    def wait_exit(self, timeout: float = 30) -> int:
        return self.proc.wait(timeout)
