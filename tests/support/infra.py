"""The real servers the integration tests use: a fresh PostgreSQL database and a RabbitMQ virtual
host of their own, so a running `make up` on the same machine never sees their messages."""
import os
import uuid
from urllib.parse import quote

import requests

RABBIT_API = os.environ.get("RABBIT_API", "http://127.0.0.1:15672/api")
RABBIT_AUTH = ("guest", "guest")


def create_vhost() -> tuple[str, str]:
    """A new virtual host for this test session; returns (name, AMQP URI)."""
    name = f"biye-test-{uuid.uuid4().hex[:8]}"
    r = requests.put(f"{RABBIT_API}/vhosts/{quote(name, safe='')}", auth=RABBIT_AUTH, timeout=10)
    r.raise_for_status()
    r = requests.put(f"{RABBIT_API}/permissions/{quote(name, safe='')}/guest", auth=RABBIT_AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"})
    r.raise_for_status()
    return name, f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"


def delete_vhost(name: str) -> None:
    requests.delete(f"{RABBIT_API}/vhosts/{quote(name, safe='')}", auth=RABBIT_AUTH, timeout=10)


def queue_info(vhost: str, queue: str) -> dict | None:
    r = requests.get(f"{RABBIT_API}/queues/{quote(vhost, safe='')}/{quote(queue, safe='')}",
                     auth=RABBIT_AUTH, timeout=10)
    if r.status_code == 404:
        return None
    r.raise_for_status()
    return r.json()


def queue_depth(vhost: str, queue: str) -> int | None:
    info = queue_info(vhost, queue)
    return None if info is None else info.get("messages", 0)


def queue_consumers(vhost: str, queue: str) -> int:
    """Consumers on a queue: a second process of a running service is ready when this counts it."""
    info = queue_info(vhost, queue)
    return 0 if info is None else info.get("consumers", 0)


