"""The gateway as it is deployed: gunicorn, two worker processes with threads, on a free port."""
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from deploy.processes import free_port, gateway_argv
from tests.support.processes import ROOT, terminate
from tests.support.wait import until


@contextmanager
def gunicorn_gateway(service_env: dict, metrics_dir: str, log_name: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """The gateway's base URL and gunicorn's master process, once a worker answers."""
    from tests.support.fixtures import LOG_DIR

    port = free_port()
    log_path = os.path.join(LOG_DIR, log_name)
    env = dict(os.environ, **service_env, PROMETHEUS_MULTIPROC_DIR=metrics_dir, PYTHONWARNINGS="ignore")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(gateway_argv(port, workers=2), cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def answering():
        assert proc.poll() is None, f"gunicorn exited: see {log_path}"
        try:
            return requests.get(f"{base}/api/v1/openapi.json", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or its workers still starting
            return False
    try:
        until(answering, timeout=120, what="gunicorn answering")
        yield base, proc
    finally:
        terminate(proc, 20)
