"""Gunicorn settings of the gateway: `gunicorn -c python:gateway.gunicorn_conf ...`.

Prometheus multiprocess mode (see gateway/metrics.py): PROMETHEUS_MULTIPROC_DIR must be set before
any worker imports prometheus_client, and must start empty, since values left by an earlier run
would be added to this one's. Set it to a directory of the gateway's own (in Kubernetes an emptyDir);
left unset, a fresh temporary directory is made and removed at exit. A worker that exits has its
live gauges (the pool in use) dropped; its counters and histograms stay in the sums, as they should.

Logging: `logconfig_dict` below (JSON lines with the request id, as the services').
"""
import glob
import os
import shutil
import tempfile

from gunicorn.arbiter import Arbiter
from gunicorn.glogging import Logger
from gunicorn.workers.base import Worker

_made_dir = None
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _made_dir = tempfile.mkdtemp(prefix="biye-gateway-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _made_dir
METRICS_DIR = os.environ["PROMETHEUS_MULTIPROC_DIR"]

from services.common import logs  # noqa: E402  (after the environment above: it imports no prometheus_client)

# Log lines as the services write them: one JSON object a line with the request's id (services/common/logs.py;
# LOG_FORMAT=plain for reading by eye, LOG_LEVEL), gunicorn's own through the same handler. Gunicorn's access
# log stays off (GatewayLogger below): the gateway logs every request itself, with its id (gateway/request_id.py).
logconfig_dict = {
    **logs.dict_config("gateway"),
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}


class GatewayLogger(Logger):
    """gunicorn's logger without its access log, which is off: with `logconfig_dict` set, gunicorn would
    still gather every request's access-log fields for a logger that writes nowhere (about 4% of a
    worker's CPU on the review page)."""

    def access(self, resp, req, environ, request_time) -> None:
        return None


logger_class = "gateway.gunicorn_conf.GatewayLogger"


def on_starting(server: Arbiter) -> None:
    os.makedirs(METRICS_DIR, exist_ok=True)
    for stale in glob.glob(os.path.join(METRICS_DIR, "*.db")):
        os.remove(stale)
    server.log.info("metrics: multiprocess files in %s", METRICS_DIR)


def child_exit(server: Arbiter, worker: Worker) -> None:
    from prometheus_client import multiprocess  # only here: the master must not import it before the env is set

    multiprocess.mark_process_dead(worker.pid, METRICS_DIR)


def on_exit(server: Arbiter) -> None:
    if _made_dir:
        shutil.rmtree(_made_dir, ignore_errors=True)


def post_worker_init(worker: Worker) -> None:
    from services.common import heap  # only here: it imports nameko, which the master needs not hold

    heap.settle()  # the worker's app is loaded: its heap is frozen out of the collector's way
