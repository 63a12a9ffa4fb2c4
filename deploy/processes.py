"""The processes of a local installation: one per service (grading as many as asked) and the gateway.

Every service process serves its Prometheus metrics on a port of its own (METRICS_PORT, counted up
from `metrics_base`: roster 9301, grading-1 9302, ...; `python -m deploy.local status` lists them);
the gateway serves them at /metrics on its own port, summed over its gunicorn workers
(gateway/gunicorn_conf.py).
"""
import os
import socket
import sys
from dataclasses import dataclass, field

SERVICE_CLASSES = {
    "roster": "RosterService",
    "grading": "GradingService",
    "review": "ReviewService",
    "numbering": "NumberingService",
    "printing": "PrintingService",
}
METRICS_BASE_PORT = 9300


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)  # on top of the caller's environment


def venv_bin(tool: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), tool)


def service_argv(service: str) -> list[str]:
    return [venv_bin("nameko"), "run", "--config", f"services/{service}/config.yml",
            f"services.{service}.service:{SERVICE_CLASSES[service]}"]


def free_port() -> int:
    """A port of 127.0.0.1 nothing listens on now: for a gateway started beside others (bench, tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_argv(port: int, workers: int = 2) -> list[str]:
    return [venv_bin("gunicorn"), "-c", "python:gateway.gunicorn_conf", "-w", str(workers), "-k", "gthread",
            "--threads", "8", "-b", f"127.0.0.1:{port}", "--timeout", "120", "gateway.app:create_app()"]


def all_processes(port: int, grading_workers: int, metrics_base: int = METRICS_BASE_PORT) -> list[Proc]:
    procs = []
    for service in SERVICE_CLASSES:
        copies = grading_workers if service == "grading" else 1
        for i in range(1, copies + 1):
            name = service if copies == 1 else f"{service}-{i}"
            metrics_port = metrics_base + len(procs) + 1
            procs.append(Proc(name, service_argv(service), {"METRICS_PORT": str(metrics_port)}))
    procs.append(Proc("gateway", gateway_argv(port)))
    return procs
