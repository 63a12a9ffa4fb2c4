"""The processes of a local installation: one per service (grading as many as asked) and the gateway."""
import os
import sys
from dataclasses import dataclass

SERVICE_CLASSES = {
    "roster": "RosterService",
    "grading": "GradingService",
    "review": "ReviewService",
    "numbering": "NumberingService",
    "printing": "PrintingService",
}


@dataclass
class Proc:
    name: str
    argv: list[str]


def venv_bin(tool: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), tool)


def service_argv(service: str) -> list[str]:
    return [venv_bin("nameko"), "run", "--config", f"services/{service}/config.yml",
            f"services.{service}.service:{SERVICE_CLASSES[service]}"]


def gateway_argv(port: int, workers: int = 2) -> list[str]:
    return [venv_bin("gunicorn"), "-w", str(workers), "-k", "gthread", "--threads", "8",
            "-b", f"127.0.0.1:{port}", "--timeout", "120", "gateway.app:create_app()"]


def all_processes(port: int, grading_workers: int) -> list[Proc]:
    procs = []
    for service in SERVICE_CLASSES:
        copies = grading_workers if service == "grading" else 1
        for i in range(1, copies + 1):
            name = service if copies == 1 else f"{service}-{i}"
            procs.append(Proc(name, service_argv(service)))
    procs.append(Proc("gateway", gateway_argv(port)))
    return procs
