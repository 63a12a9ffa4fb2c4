"""The agent's settings, from the environment (a systemd EnvironmentFile or the container's env)."""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    amqp_uri: str  # the site's own broker user: amqps://print-site-<id>:<secret>@broker:5671/<vhost>
    site_id: str
    gateway_url: str  # https://biye.example.gov.cn
    state_dir: str  # the journal and fetched parts
    ca_file: str | None = None  # the province's CA, when its certificates are not in the system's store
    heartbeat_seconds: float = 10.0
    retry_seconds: float = 5.0

    @property
    def queue(self) -> str:
        return f"print-site.{self.site_id}"

    @property
    def routing_key(self) -> str:
        return f"site.{self.site_id}"

    status_exchange: str = "print-sites.status"


def from_env(env: dict | None = None) -> Config:
    env = os.environ if env is None else env
    missing = [k for k in ("AGENT_AMQP_URI", "AGENT_SITE_ID", "AGENT_GATEWAY_URL") if not env.get(k)]
    if missing:
        raise SystemExit(f"打印代理缺少设置：{'、'.join(missing)}（见 README“Setting up a print site”）")
    return Config(amqp_uri=env["AGENT_AMQP_URI"], site_id=env["AGENT_SITE_ID"],
                  gateway_url=env["AGENT_GATEWAY_URL"].rstrip("/"),
                  state_dir=env.get("AGENT_STATE_DIR", "/var/lib/biye-printagent"),
                  ca_file=env.get("AGENT_CA_FILE") or None,
                  heartbeat_seconds=float(env.get("AGENT_HEARTBEAT_SECONDS", "10")),
                  retry_seconds=float(env.get("AGENT_RETRY_SECONDS", "5")))
