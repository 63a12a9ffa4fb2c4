"""What every service offers besides its own work."""
import sqlalchemy as sa
from nameko.rpc import rpc


class HealthMixin:
    """`ping`: the gateway's health check and `deploy.healthcheck` call it."""

    @rpc
    def ping(self) -> dict:
        with self.db.transaction() as session:
            session.execute(sa.text("SELECT 1"))
        return {"service": self.name, "ok": True}
