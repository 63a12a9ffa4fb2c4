"""Test set-up. Unit tests need nothing; integration tests use the real PostgreSQL and RabbitMQ.

eventlet must patch the standard library before anything else is imported, as in a service.
"""
import eventlet

eventlet.monkey_patch()

# The real-server fixtures (database, virtual host, service processes, gateway) for the integration
# and browser tests; session-scoped, so they start only when a test asks for them.
pytest_plugins = ["tests.support.fixtures"]
