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


# A draft the chain sent back: still the school's to edit, but named for what happened.
RETURNED_NAME = "已退回修改"

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


def name_of(status: str, returned: bool = False) -> str:
    """The state as pages name it: a draft after a return is 已退回修改."""
    return RETURNED_NAME if returned and status == DRAFT else NAMES.get(status, status)


def is_returned(review: dict) -> bool:
    """A draft the chain has sent back (each return starts a new round), until it is submitted again."""
    return review["status"] == DRAFT and review["round"] > 1
