"""Every state change the gateway makes is written to the audit log in the same transaction."""
from sqlalchemy.engine import Connection

from gateway.tables import audit_log


def record(conn: Connection, actor: dict | None, action: str, target: str, details: dict | None = None) -> None:
    conn.execute(audit_log.insert().values(
        username=actor["username"] if actor else None,
        org_code=actor["org_code"] if actor else None,
        action=action, target=target, details=details or {},
    ))
