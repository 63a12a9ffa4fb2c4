"""What every service offers besides its own work."""
import sqlalchemy as sa

from services.common.correlation import Correlation
from services.common.drain import Drain
from services.common.entrypoints import rpc  # on the service's quorum queue, as every RPC method
from services.common.failures import FailuresMixin
from services.common.heap import SettledHeap
from services.common.metrics import Metrics


class HealthMixin(FailuresMixin):
    """`ping`: the gateway's health check and `deploy.healthcheck` call it. `event_failures`: its
    handlers' failures (services.common.failures). `metrics`: the process's
    Prometheus metrics on METRICS_PORT, and every entrypoint timed (services.common.metrics).
    `heap`: the collector set for bursts of short-lived objects (services.common.heap)."""

    metrics = Metrics()
    # every worker's correlation id, for its log lines and the calls and events it makes
    correlation = Correlation()
    # SIGTERM drains: running workers finish and acknowledge their messages first (services.common.drain)
    drain = Drain()
    heap = SettledHeap()

    @rpc
    def ping(self) -> dict:
        with self.db.transaction() as session:
            session.execute(sa.text("SELECT 1"))
        return {"service": self.name, "ok": True}
