import sqlalchemy as sa


def table_digest(engine: sa.Engine, *tables: str) -> dict[str, str]:
    """A digest of every row of each table: equal digests mean nothing changed."""
    digests = {}
    with engine.connect() as conn:
        for table in tables:
            digests[table] = conn.execute(sa.text(
                f"SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"
            )).scalar_one()
    return digests


def rows_digest(engine: sa.Engine, sql: str, **params) -> str:
    """A digest of the rows a query returns."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(sql), params).all()
    return repr(sorted(map(tuple, rows), key=repr))
