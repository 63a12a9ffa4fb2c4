"""The review service remembers review views by version; any change to the review, its list, its
approvals or its history must show at once. Triggers keep the version; these tests change each
table behind the service's back and read the view again."""
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.errors import NotFound
from services.review.view_cache import ReviewViews
from tests.support.reviews import insert_draft


def make_review(engine) -> str:
    """A draft review of two graduates, one qualified, written straight into the review schema."""
    with engine.begin() as conn:
        rid = insert_draft(conn, "VC", "缓存学校", 2090, total=2, verified=2)
        for row, verdict in ((2, "qualified"), (3, "unqualified")):
            conn.execute(sa.text("""
                INSERT INTO review.graduates (review_id, row, generation, seq, name, id_number, student,
                                              intake_reasons, verdict, reasons, graded)
                VALUES (:id, :row, 1, :row, '学生' || :row, '61050220080101' || :row || '00X',
                        '{"major_code": "710204", "major_name": "计算机应用"}', '[]', :verdict,
                        CASE WHEN :verdict = 'unqualified' THEN '["语文第1学期不及格"]'::jsonb END, true)"""),
                {"id": rid, "row": row, "verdict": verdict})
    return rid


@pytest.fixture
def review_id(stack, engine):
    return make_review(engine)


def view(engine, views: ReviewViews, review_id: str) -> dict:
    """As the service reads a review page: the remembered view if current, else built in a transaction."""
    current = views.current(engine, review_id)
    if current is not None:
        return current
    with Session(engine) as session, session.begin():
        return views.get(session, review_id)


def test_a_view_is_served_from_memory_while_nothing_changes(engine, review_id):
    views = ReviewViews()
    first = view(engine, views, review_id)
    assert view(engine, views, review_id) is first
    assert first["qualified"] == 1 and [u["row"] for u in first["unqualified"]] == [3]


CHANGES = {
    "the review row": ("UPDATE review.reviews SET status = 'pending_province', chain_pos = 0 WHERE id = :id",
                       lambda v: v["status"] == "pending_province"),
    "a graduate's verdict": ("UPDATE review.graduates SET verdict = 'qualified', reasons = NULL "
                             "WHERE review_id = :id AND row = 3", lambda v: v["qualified"] == 2),
    "the list replaced": ("DELETE FROM review.graduates WHERE review_id = :id AND row = 2",
                          lambda v: v["qualified"] == 0),
    "a history entry": ("INSERT INTO review.history (review_id, by_name, by_username, org, to_status, action) "
                        "VALUES (:id, '王老师', 'w', '缓存学校', 'draft', 'create')",
                        lambda v: [h["by"] for h in v["history"]] == ["王老师"]),
    "a major approved": ("INSERT INTO review.major_approvals (review_id, generation, round, level_code, "
                         "major_code, by_name, by_username, by_phone, org) "
                         "VALUES (:id, 1, 1, 'VC' || left(CAST(:id AS text), 8), '710204', '王老师', 'w', '1', "
                         "'缓存学校')",
                         lambda v: v["majors"][0]["status"] == "approved"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_kind_of_change_shows_at_once(engine, review_id, change):
    sql, shows = CHANGES[change]
    views = ReviewViews()
    before = view(engine, views, review_id)
    assert not shows(before)
    with engine.begin() as conn:
        conn.execute(sa.text(sql), {"id": review_id})
    assert shows(view(engine, views, review_id))


def test_the_least_recently_read_view_is_dropped_at_capacity(engine, stack):
    first, second, third = (make_review(engine) for _ in range(3))
    views = ReviewViews(capacity=2)
    kept = view(engine, views, first)
    view(engine, views, second)
    assert view(engine, views, first) is kept   # read again: now the most recent
    view(engine, views, third)                  # over capacity: the least recently read goes
    assert list(views._views) == [first, third]
    assert view(engine, views, first) is kept


def test_an_unknown_review_is_not_found_and_not_remembered(engine, stack):
    views = ReviewViews()
    with pytest.raises(NotFound, match="找不到"):
        view(engine, views, str(uuid.uuid4()))
    with pytest.raises(NotFound, match="找不到"):
        view(engine, views, "not-a-uuid")
    assert not views._views
