"""Fixtures of the integration and browser tests (registered by tests/conftest.py): everything real.

- PostgreSQL: a database recreated for the session (DATABASE_URL, `make test` sets biye_test).
- RabbitMQ: a virtual host made for the session through the management API, deleted after.
- Services run as real `nameko run` processes (tests.support.processes), so they can be killed.
- The gateway is the real Flask app on the same database and virtual host, through its test client.
Nothing is mocked.
"""
import os
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from deploy import databases
from deploy.processes import SERVICE_CLASSES
from tests.support import infra
from tests.support.gateway import app, client, province  # noqa: F401  (fixtures)
from tests.support.probe import probe_rpc  # noqa: F401  (fixture)
from tests.support.processes import ROOT, ServiceProcess
from tests.support.servers import own_postgres, own_rabbit, rabbit_cluster  # noqa: F401  (fixtures)

LOG_DIR = os.path.join(ROOT, "var", "test-logs")
UPLOAD_DIR = os.path.join(ROOT, "var", "test-uploads")


@pytest.fixture(scope="session")
def database_url():
    url = os.environ.get("DATABASE_URL", "postgresql://root@127.0.0.1:5432/biye_test")
    if not url.rsplit("/", 1)[-1].endswith("_test"):
        raise RuntimeError("integration tests recreate their database: give one whose name ends in _test")
    databases.recreate(url)
    return url


@pytest.fixture(scope="session")
def vhost():
    name, uri = infra.create_vhost()
    yield name, uri
    infra.delete_vhost(name)


@pytest.fixture(scope="session")
def amqp_uri(vhost):
    return vhost[1]


@pytest.fixture(scope="session")
def service_env(database_url, amqp_uri):
    os.makedirs(LOG_DIR, exist_ok=True)
    os.environ["UPLOAD_DIR"] = UPLOAD_DIR  # the gateway in this process and the services share it
    # small print parts and chunks, so a few certificates make a job of several parts and a list of a
    # few hundred students several chunks
    return {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "UPLOAD_DIR": UPLOAD_DIR, "PRINT_PART_SHEETS": "10",
            "CHUNK_SIZE": "250"}


@pytest.fixture(scope="session")
def stack(service_env):
    """Every service running as a real process, once for the session."""
    procs: list[ServiceProcess] = []
    try:  # stopped even when one fails to start, so that none is left running after the session
        for name, cls in SERVICE_CLASSES.items():
            procs.append(ServiceProcess(f"services.{name}.service:{cls}", name, service_env,
                                        f"services/{name}/config.yml", LOG_DIR, f"stack-{name}").start(wait=False))
        for proc in procs:
            proc.wait_ready()
        yield {p.service: p for p in procs}
    finally:
        for proc in procs:
            proc.stop()


@pytest.fixture(scope="session")
def engine(database_url):
    eng = sa.create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def spawn(service_env):
    """Start service processes; every one is stopped when the test ends."""
    started: list[ServiceProcess] = []

    def start(module: str, service: str, config: str, label: str = "", extra_env: dict | None = None,
              wait: bool = True) -> ServiceProcess:
        proc = ServiceProcess(module, service, service_env, config, LOG_DIR, label)
        started.append(proc)
        return proc.start(extra_env, wait)

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture(scope="session")
def live_server(app, stack):  # noqa: F811  (the app fixture, imported above)
    """The gateway app on a free port of 127.0.0.1, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-gateway", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
