"""A review written straight into the review schema, for tests of what the database keeps by itself."""
import uuid

import sqlalchemy as sa

CHAIN = '[{"code": "P", "name": "省教育厅", "kind": "province"}]'


def insert_draft(conn: sa.Connection, prefix: str, school_name: str, year: int, total: int, verified: int) -> str:
    """A draft review (generation 1, reviewed by the province) of a school whose code starts with
    `prefix`; its id."""
    rid = str(uuid.uuid4())
    conn.execute(sa.text("""
        INSERT INTO review.reviews (id, school_code, school_name, year, season, kind, status, generation,
                                    chain, total, verified)
        VALUES (:id, :prefix || left(CAST(:id AS text), 8), :name, :year, '春季', '正常验印', 'draft', 1,
                CAST(:chain AS jsonb), :total, :verified)"""),
        {"id": rid, "prefix": prefix, "name": school_name, "year": year, "chain": CHAIN, "total": total,
         "verified": verified})
    return rid
