"""The health endpoint reports each real service's reachability."""
import pytest

from deploy.processes import SERVICE_CLASSES
from gateway.app import create_app
from tests.support import infra
from tests.support.processes import ServiceProcess


@pytest.fixture
def own_vhost():
    """A virtual host of this test's own: the session's services must not answer here."""
    name, uri = infra.create_vhost()
    yield uri
    infra.delete_vhost(name)


def test_health_reports_every_service(database_url, service_env, own_vhost):
    from tests.support.fixtures import LOG_DIR

    client = create_app({"TESTING": True, "DATABASE_URL": database_url, "AMQP_URI": own_vhost}).test_client()
    r = client.get("/api/v1/health")
    assert r.status_code == 503
    assert set(r.get_json()["services"].values()) == {"unreachable"}

    env = dict(service_env, AMQP_URI=own_vhost)
    procs = [ServiceProcess(f"services.{name}.service:{cls}", name, env, f"services/{name}/config.yml", LOG_DIR,
                            f"health-{name}").start(wait=False) for name, cls in SERVICE_CLASSES.items()]
    try:
        for proc in procs:
            proc.wait_ready()
        r = client.get("/api/v1/health")
        assert r.status_code == 200
        assert r.get_json() == {"status": "ok", "database": "ok", "services": dict.fromkeys(SERVICE_CLASSES, "ok")}

        procs[2].kill()  # review
        body = client.get("/api/v1/health").get_json()
        assert body["services"]["review"] == "unreachable"
        assert body["services"]["roster"] == "ok"
    finally:
        for proc in procs:
            proc.stop()
