"""Another set of the five services, on a database and virtual host other than the session's (the
`stack` fixture runs those): for tests that bring the system up a second time, e.g. on a restored copy."""
from collections.abc import Iterator
from contextlib import contextmanager

from deploy.processes import SERVICE_CLASSES
from tests.support.fixtures import LOG_DIR
from tests.support.processes import ServiceProcess


@contextmanager
def services_on(service_env: dict, database_url: str, amqp_uri: str, label: str) -> Iterator[dict]:
    """Every service as a real process on `database_url` and `amqp_uri` (the rest of the session's
    `service_env` kept), ready when entered, stopped on exit: {service: ServiceProcess}."""
    env = dict(service_env, DATABASE_URL=database_url, AMQP_URI=amqp_uri)
    procs: list[ServiceProcess] = []
    try:
        for name, cls in SERVICE_CLASSES.items():
            procs.append(ServiceProcess(f"services.{name}.service:{cls}", name, env, f"services/{name}/config.yml",
                                        LOG_DIR, f"{label}-{name}").start(wait=False))
        for proc in procs:
            proc.wait_ready()
        yield {p.service: p for p in procs}
    finally:
        for proc in procs:
            proc.stop()
