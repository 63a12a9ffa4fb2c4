"""What every service offers besides its own work."""
import sqlalchemy as sa
from nameko.rpc import rpc

from services.common.metrics import Metrics


class HealthMixin:
    """`ping`: the gateway's health check and `deploy.healthcheck` call it. `metrics`: the process's
    Prometheus metrics on METRICS_PORT, and every entrypoint timed (services.common.metrics)."""

    metrics = Metrics()

    @rpc
    def ping(self) -> dict:
        with self.db.transaction() as session:
            session.execute(sa.text("SELECT 1"))
        return {"service": self.name, "ok": True}
