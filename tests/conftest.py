"""Test set-up. Unit tests need nothing; integration tests use the real PostgreSQL and RabbitMQ.

eventlet must patch the standard library before anything else is imported, as in a service.
"""
import eventlet

eventlet.monkey_patch()

# The real-server fixtures (database, virtual host, service processes, gateway) for the integration
# and browser tests; session-scoped, so they start only when a test asks for them.
pytest_plugins = ["tests.support.fixtures"]


# A test's kind is its folder; tests that send to the CUPS test queue are also `printing`.
KIND_OF_FOLDER = {"unit": "unit", "integration": "integration", "browser": "browser"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        kind = KIND_OF_FOLDER.get(item.path.parent.name)
        if kind:
            item.add_marker(kind)
        if "cups_queue" in item.fixturenames:
            item.add_marker("printing")
