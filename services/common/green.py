"""Make psycopg2 cooperative under eventlet. Import before anything opens a connection."""
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2.extensions
from psycogreen.eventlet import patch_psycopg

patch_psycopg()


@contextmanager
def blocking() -> Iterator[None]:
    """psycopg2 calls that refuse a wait callback (COPY) run inside this, blocking the process.

    With no callback, libpq calls do not yield to the eventlet hub, so no other green thread of
    this process runs (or starts a query) until the block ends and the callback is back."""
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        yield
    finally:
        psycopg2.extensions.set_wait_callback(callback)
