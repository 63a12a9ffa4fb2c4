"""Review states (DOMAIN.md "The graduation review") and their Chinese names."""

DRAFT = "draft"
SUBMITTED = "submitted"
APPROVED = "approved"
NUMBERED = "numbered"
PRINTED = "printed"
STAMPED = "stamped"
ISSUED = "issued"
# Numbers are issued: the review's list is settled, and a student not numbered in it may be listed again.
AFTER_NUMBERING = (NUMBERED, PRINTED, STAMPED, ISSUED)


def pending(level_kind: str) -> str:
    """The state while a level of the chain reviews: pending_county, pending_city, pending_province."""
    return f"pending_{level_kind}"


NAMES = {
    DRAFT: "学校编辑中",
    SUBMITTED: "已提交",
    "pending_county": "待县区审核",
    "pending_city": "待市级审核",
    "pending_province": "待省级审核",
    APPROVED: "省级审核通过",
    NUMBERED: "已发证书编号",
    PRINTED: "已打印",
    STAMPED: "已验印",
    ISSUED: "已发证（学籍已标记毕业）",
}
