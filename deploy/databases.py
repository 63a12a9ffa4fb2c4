"""Creating the PostgreSQL database a DATABASE_URL names: kept if it exists (local runs, demo), or
dropped and made anew (tests, bench)."""
import psycopg2
from psycopg2 import sql


def _admin_connection(url: str) -> tuple[psycopg2.extensions.connection, str]:
    """An autocommit connection to the server's `postgres` database, and the named database."""
    base, _, name = url.rpartition("/")
    conn = psycopg2.connect(f"{base}/postgres")
    conn.autocommit = True
    return conn, name.split("?")[0]


def create(url: str) -> bool:
    """Create the database if it does not exist yet; True when it was created."""
    conn, name = _admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        conn.close()


def recreate(url: str) -> None:
    """Drop the database (its sessions ended first) and create it empty."""
    conn, name = _admin_connection(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
