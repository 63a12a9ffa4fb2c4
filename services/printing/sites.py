"""Print sites: where a school's (or a bureau's) printers are, and the agent that prints there.

The province registers a site for an organisation; the site serves that organisation's subtree. Its
agent reports its printers by heartbeat; a site last seen more than ONLINE_SECONDS ago is offline.
"""
import datetime as dt
import secrets
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common import records
from services.common.errors import BadInput, Conflict, NotFound
from services.printing.broker import broker_user
from services.printing.tables import print_sites

ONLINE_SECONDS = 45  # three missed heartbeats
MAX_PRINTERS = 50


def create(session: Session, org_code: str, name: str, username: str) -> tuple[dict, str]:
    """A new site and the broker secret for its agent (returned once, kept nowhere)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput("请填写打印点名称（100字以内），例如“临渭职业中专教务处”")
    site_id = str(uuid.uuid4())
    session.execute(print_sites.insert().values(id=site_id, org_code=org_code, name=name,
                                                broker_user=broker_user(site_id), created_by=username))
    return load(session, site_id), secrets.token_urlsafe(24)


def load(session: Session, site_id: str, lock: bool = False) -> dict:
    return records.by_id(session, print_sites, site_id, "找不到该打印点", lock)


def active(session: Session, site_id: str) -> dict:
    site = load(session, site_id)
    if site["revoked_at"] is not None:
        raise Conflict(f"打印点“{site['name']}”已被撤销，不能再接收打印任务")
    return site


def revoke(session: Session, site_id: str) -> dict:
    site = load(session, site_id, lock=True)
    if site["revoked_at"] is None:
        session.execute(print_sites.update().where(print_sites.c.id == site_id).values(revoked_at=sa.func.now()))
    return load(session, site_id)


def heartbeat(session: Session, site_id: str, printers: list) -> None:
    """What the agent reported of its printers, and when: the site's status."""
    clean = [{"name": str(p.get("name", ""))[:100], "state": str(p.get("state", ""))[:40],
              "reason": str(p.get("reason") or "")[:300], "accepting": bool(p.get("accepting", True))}
             for p in printers[:MAX_PRINTERS] if isinstance(p, dict) and p.get("name")]
    session.execute(print_sites.update()
                    .where(print_sites.c.id == site_id, print_sites.c.revoked_at.is_(None))
                    .values(last_seen=sa.func.now(), printers=clean))


def view(site: dict, now: dt.datetime | None = None) -> dict:
    now = now or dt.datetime.now(dt.UTC)
    seen = site["last_seen"]
    online = site["revoked_at"] is None and seen is not None and (now - seen).total_seconds() <= ONLINE_SECONDS
    return {"site_id": site["id"], "org_code": site["org_code"], "name": site["name"], "online": online,
            "last_seen": seen.isoformat() if seen else None, "printers": site["printers"],
            "revoked": site["revoked_at"] is not None, "created_at": site["created_at"].isoformat()}


def listing(session: Session, org_codes: list[str] | None) -> list[dict]:
    query = sa.select(print_sites).where(print_sites.c.revoked_at.is_(None)).order_by(print_sites.c.created_at)
    if org_codes is not None:
        query = query.where(print_sites.c.org_code.in_(org_codes))
    return [view(dict(r)) for r in session.execute(query).mappings()]


def printer_of(site: dict, printer: str) -> dict:
    for known in site["printers"]:
        if known["name"] == printer:
            return known
    raise NotFound(f"打印点“{site['name']}”没有名为“{printer}”的打印机（以打印点最近一次报告为准）")
