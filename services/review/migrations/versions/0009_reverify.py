"""重新核验: a stored list verified again after the school fixed grades or the registry.

Each graduate row keeps what its own cells were wrong in (`list_reasons`: only a new list fixes
those, so re-verification carries them over) and, once re-verified, its verdict and reasons before
(`previous`), so the review can say who changed verdict.

Revision ID: 0009
"""
from alembic import op

revision = "0009"
down_revision = "0008"

# The reasons graduates.read gives a row's own cells, as worded there; those from the registry,
# numbering or another review start otherwise (未找到…, 学籍…, 名单中的性别…, 该生…).
LIST_REASON = "^(姓名为空|身份证号有误|性别|招生类别|毕业方式|与第[0-9]+行是同一身份证号)"


def upgrade() -> None:
    # 0002 creates graduates as tables.py holds it now, so on a new database the columns exist already.
    op.execute("ALTER TABLE review.graduates ADD COLUMN IF NOT EXISTS list_reasons jsonb")
    op.execute("ALTER TABLE review.graduates ADD COLUMN IF NOT EXISTS previous jsonb")
    # Lists stored before this revision: their own-cell reasons picked out of the intake reasons.
    op.execute(f"""
        UPDATE review.graduates SET list_reasons = (
            SELECT coalesce(jsonb_agg(reason), '[]'::jsonb)
            FROM jsonb_array_elements_text(intake_reasons) AS reason WHERE reason ~ '{LIST_REASON}')
        WHERE list_reasons IS NULL""")


def downgrade() -> None:
    op.execute("ALTER TABLE review.graduates DROP COLUMN IF EXISTS previous")
    op.execute("ALTER TABLE review.graduates DROP COLUMN IF EXISTS list_reasons")
