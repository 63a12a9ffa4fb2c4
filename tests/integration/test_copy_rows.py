"""COPY of rows as they are produced (services/common/copy.py), against the real PostgreSQL."""
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.copy import PIECE_ROWS, copy_rows

ROWS = PIECE_ROWS * 2 + 500  # several pieces, the last one short


class SourceFailed(Exception):
    pass


def _table(session: Session) -> None:
    session.execute(sa.text("CREATE TEMP TABLE copied (n int, label text, score numeric) ON COMMIT DROP"))


def test_every_row_arrives_as_it_was_made(engine):
    def rows():
        for n in range(ROWS):
            yield n, f"第{n}行, \"引号\"", None if n % 7 == 0 else n / 2

    with Session(engine) as session, session.begin():
        _table(session)
        copy_rows(session, "copied", rows())
        count, nulls, total = session.execute(sa.text(
            "SELECT count(*), count(*) FILTER (WHERE score IS NULL), sum(n) FROM copied")).one()
        label = session.execute(sa.text("SELECT label FROM copied WHERE n = 1234")).scalar_one()
    assert (count, nulls, total) == (ROWS, len(range(0, ROWS, 7)), sum(range(ROWS)))
    assert label == '第1234行, "引号"'


def test_a_source_failing_part_way_comes_out_as_itself_and_nothing_is_kept(engine):
    """A file past a limit stops its import with its own answer (413, not a database error)."""
    def rows():
        for n in range(ROWS):
            if n == PIECE_ROWS + 10:
                raise SourceFailed("第1010行：超过上限")
            yield n, "行", 1

    with Session(engine) as session:
        session.execute(sa.text("CREATE TABLE IF NOT EXISTS public.copy_probe (n int, label text, score numeric)"))
        session.commit()
        with pytest.raises(SourceFailed, match="第1010行"):
            with session.begin():
                copy_rows(session, "public.copy_probe", rows())
        assert session.execute(sa.text("SELECT count(*) FROM public.copy_probe")).scalar_one() == 0
        session.execute(sa.text("DROP TABLE public.copy_probe"))
        session.commit()
