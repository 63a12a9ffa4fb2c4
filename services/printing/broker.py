"""The broker's side of print sites, through RabbitMQ's management API: each site gets a broker user
of its own whose permissions RabbitMQ itself enforces. It may read only its own site queue and
publish only to the status exchange, and there only under its own routing key (topic permission).
It may declare nothing. Deleting the user closes its connections at once.
"""
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlsplit

import requests

from services.printing.errors import PrinterUnavailable

JOBS_EXCHANGE = "printing.events"  # the printing service's event exchange: its outbox relays site jobs
STATUS_EXCHANGE = "print-sites.status"
STATUS_QUEUE = "printing.site-status"
TIMEOUT = 10


def site_queue(site_id: str) -> str:
    return f"print-site.{site_id}"


def job_routing_key(site_id: str) -> str:
    return f"site_job.{site_id}"


def status_routing_key(site_id: str) -> str:
    return f"site.{site_id}"


def broker_user(site_id: str) -> str:
    return f"print-site-{site_id}"


def vhost_of(amqp_uri: str) -> str:
    path = urlsplit(amqp_uri.split(";", 1)[0]).path  # a failover list (kombu's `uri;uri`): one vhost, the first's
    return unquote(path[1:]) if len(path) > 1 else "/"


def agent_credentials(site: dict, secret: str, config: Mapping) -> dict:
    """What a site's agent connects with: its own broker user, on the services' virtual host."""
    base = config.get("AGENT_BROKER_URL", "amqp://127.0.0.1:5672").rstrip("/")
    scheme, _, host = base.partition("://")
    vhost = quote(vhost_of(config["AMQP_URI"]), safe="")
    return {"site_id": site["id"], "broker_user": site["broker_user"], "broker_password": secret,
            "amqp_uri": f"{scheme}://{site['broker_user']}:{secret}@{host}/{vhost}",
            "queue": site_queue(site["id"]), "status_exchange": STATUS_EXCHANGE}


class BrokerAdmin:
    """Users, permissions, queues and bindings of one virtual host."""

    def __init__(self, api_url: str, user: str, password: str, vhost: str):
        self.api = api_url.rstrip("/")
        self.auth = (user, password)
        self.vhost = quote(vhost, safe="")

    @classmethod
    def of_config(cls, config: Mapping) -> "BrokerAdmin":
        """The admin of the virtual host the service's AMQP_URI names."""
        return cls(config.get("RABBIT_API", "http://127.0.0.1:15672/api"), config.get("RABBIT_ADMIN_USER", "guest"),
                   config.get("RABBIT_ADMIN_PASSWORD", "guest"), vhost_of(config["AMQP_URI"]))

    def _call(self, method: str, path: str, json: dict | None = None) -> requests.Response:
        try:
            response = requests.request(method, f"{self.api}/{path}", auth=self.auth, json=json, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise PrinterUnavailable(f"无法连接消息服务器的管理接口：{exc}") from None
        if response.status_code >= 400 and not (method == "DELETE" and response.status_code == 404):
            raise PrinterUnavailable(f"消息服务器管理接口拒绝了请求（{response.status_code}）：{response.text[:200]}")
        return response

    def declare_exchanges(self) -> None:
        for name in (JOBS_EXCHANGE, STATUS_EXCHANGE):  # as nameko declares its event exchange
            self._call("PUT", f"exchanges/{self.vhost}/{quote(name, safe='')}",
                       {"type": "topic", "durable": True, "auto_delete": False})

    def add_site(self, site_id: str, secret: str) -> None:
        """The site's queue, bound to its jobs; its user with read on that queue and write on its status."""
        self.declare_exchanges()
        queue = quote(site_queue(site_id), safe="")
        self._call("PUT", f"queues/{self.vhost}/{queue}", {"durable": True, "auto_delete": False})
        self._call("POST", f"bindings/{self.vhost}/e/{quote(JOBS_EXCHANGE, safe='')}/q/{queue}",
                   {"routing_key": job_routing_key(site_id)})
        user = quote(broker_user(site_id), safe="")
        self._call("PUT", f"users/{user}", {"password": secret, "tags": ""})
        self._call("PUT", f"permissions/{self.vhost}/{user}", {
            "configure": "^$",
            "write": f"^{STATUS_EXCHANGE.replace('.', '[.]')}$",
            "read": f"^{site_queue(site_id).replace('.', '[.]')}$",
        })
        self._call("PUT", f"topic-permissions/{self.vhost}/{user}", {
            "exchange": STATUS_EXCHANGE,
            "write": f"^{status_routing_key(site_id).replace('.', '[.]')}$",
            "read": "^$",
        })

    def remove_site(self, site_id: str) -> None:
        """Revoke: the user goes (its connections are closed with it), then its queue."""
        self._call("DELETE", f"users/{quote(broker_user(site_id), safe='')}")
        self._call("DELETE", f"queues/{self.vhost}/{quote(site_queue(site_id), safe='')}")
