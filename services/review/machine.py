"""Who may do what to a review, and what follows: the review's state machine as pure functions.

Levels: the school edits and approves its own majors while the review is a draft; after submission
each level of the school's chain (nearest bureau first, the province last) approves every major's
table and then the whole review, or returns it to draft with a written reason, after which the chain
starts again. Each rule raises the error the API answers with: 409 for an action the state does not
allow, 403 for an organisation whose turn it is not.
"""
from dataclasses import dataclass, field

from services.common.errors import BadInput, Conflict, Forbidden, NotFound, ServiceError
from services.review import states

SCHOOL_ROLES = {"school_graduation_manager"}
LEVEL_ROLES = {"city": {"bureau_reviewer"}, "county": {"bureau_reviewer"}, "province": {"province_reviewer"}}

APPROVE_MAJOR = "approve_major"
SUBMIT = "submit"
APPROVE = "approve"
RETURN = "return"
MARK_PRINTED = "mark_printed"
STAMP = "stamp"
MARK_GRADUATED = "mark_graduated"
REVERIFY = "reverify"  # 重新核验: the stored list verified again (POST /reviews/{id}/reverify)
ACTIONS = (APPROVE_MAJOR, SUBMIT, REVERIFY, APPROVE, RETURN, MARK_PRINTED, STAMP, MARK_GRADUATED)

# The states each action is possible in.
ALLOWED = {
    APPROVE_MAJOR: "draft_or_pending",
    SUBMIT: {states.DRAFT},
    REVERIFY: {states.DRAFT},
    APPROVE: "pending",
    RETURN: "pending",
    MARK_PRINTED: {states.NUMBERED},
    STAMP: {states.PRINTED},
    MARK_GRADUATED: {states.STAMPED},
}

ACTION_NAMES = {
    APPROVE_MAJOR: "审核通过专业资格审核表", SUBMIT: "提交", APPROVE: "审核通过", RETURN: "退回修改",
    MARK_PRINTED: "标记证书已打印", STAMP: "验印", MARK_GRADUATED: "标记学籍已毕业", REVERIFY: "重新核验",
}
# The school's own sign-off of a major's table, in its draft, is a confirmation, not a review.
SCHOOL_NAMES = {APPROVE_MAJOR: "确认资格审核表"}
# What else a review's history records: the list's import, and what numbering did.
HISTORY_NAMES = {
    **ACTION_NAMES, "confirm_major": "学校确认专业资格审核表", "create": "导入名单", "rebuild": "重新导入名单",
    "numbered": "发放证书编号",
    "numbering_refused": "未发放证书编号",
}


@dataclass(frozen=True)
class Actor:
    org_code: str
    roles: frozenset[str]

    @classmethod
    def of(cls, actor: dict) -> "Actor":
        return cls(actor["org_code"], frozenset(actor["roles"]))


@dataclass(frozen=True)
class Progress:
    """What the acting level has done so far: whether verification is finished, and each major of
    the qualified students with its name and whether the acting level approved its table this round."""
    verified: bool
    majors: dict[str, tuple[str, bool]] = field(default_factory=dict)
    by_school: bool = False  # the school confirms its own tables; the levels approve them


def is_pending(status: str) -> bool:
    return status.startswith("pending_")


def state_allows(action: str, status: str) -> bool:
    allowed = ALLOWED[action]
    if allowed == "pending":
        return is_pending(status)
    if allowed == "draft_or_pending":
        return status == states.DRAFT or is_pending(status)
    return status in allowed


def check(action: str, review: dict, actor: Actor) -> None:
    """Raise Conflict (409) if the state does not allow `action`, Forbidden (403) if it is not the
    actor's turn or role. Returns quietly when the actor may act."""
    status = review["status"]
    if not state_allows(action, status):
        raise Conflict(f"毕业审核当前为“{states.NAMES.get(status, status)}”，不能{ACTION_NAMES[action]}")
    chain = review["chain"]
    if status == states.DRAFT or action in (MARK_PRINTED, MARK_GRADUATED):
        if actor.org_code != review["school_code"] or not (actor.roles & SCHOOL_ROLES):
            raise Forbidden(f"只有本校的毕业管理员可以{ACTION_NAMES[action]}")
        return
    if action == STAMP:
        unit = review.get("stamping_org_code")
        allowed = {o["code"] for o in chain} if unit is None else {unit}
        if actor.org_code not in allowed or not actor.roles & {"bureau_reviewer", "province_reviewer"}:
            raise Forbidden("只有验印单位可以验印")
        return
    level = chain[review["chain_pos"]]
    positions = [i for i, o in enumerate(chain) if o["code"] == actor.org_code]
    if not positions:
        raise Forbidden(f"现在轮到“{level['name']}”审核，您的单位不能操作")
    if not actor.roles & LEVEL_ROLES[chain[positions[0]]["kind"]]:
        raise Forbidden("您的账号没有审核权限")
    if positions[0] < review["chain_pos"]:
        raise Conflict("本单位已审核通过，现由上级审核")
    if positions[0] > review["chain_pos"]:
        raise Forbidden(f"现在轮到“{level['name']}”审核，还未到本单位")


def check_ready(action: str, progress: Progress, major_code: str | None = None) -> None:
    """Raise Conflict (409) unless the work before `action` is done: verification finished and
    every major approved before submitting; every major approved before the level approves."""
    if action == SUBMIT:
        if not progress.verified:
            raise Conflict("成绩核验尚未完成，请稍候再提交")
        if not progress.majors:
            raise Conflict("没有合格的毕业生，不能提交；请先修改成绩或学籍后重新导入名单")
    if action == REVERIFY and not progress.verified:
        raise Conflict("成绩核验尚未完成，请等核验完成后再重新核验")
    if action in (SUBMIT, APPROVE):
        missing = [f"{name}（{code}）" for code, (name, approved) in sorted(progress.majors.items()) if not approved]
        if missing:
            done = "确认" if progress.by_school else "审核通过"
            raise Conflict(f"以下专业的毕业生资格审核表尚未{done}：{'、'.join(missing)}")
    if action == APPROVE_MAJOR:
        if major_code not in progress.majors:
            raise NotFound(f"本审核中没有专业代码为{major_code}的合格毕业生")
        name, approved = progress.majors[major_code]
        if approved:
            raise Conflict(f"{name}（{major_code}）毕业生资格审核表本级已审核通过")


def permitted(review: dict, progress: Progress, actor: Actor) -> tuple[list[dict], list[dict]]:
    """What `actor` may do now, by the rules that judge the request (check, then check_ready), and
    what their turn allows but unfinished work still blocks, with why. Approving a major's table is
    one entry per major not yet approved by the acting level."""
    may, blocked = [], []
    names = {**ACTION_NAMES, **SCHOOL_NAMES} if review["status"] == states.DRAFT else ACTION_NAMES
    for action in ACTIONS:
        try:
            check(action, review, actor)
        except ServiceError:
            continue
        if action == APPROVE_MAJOR:
            may += [{"action": action, "name": names[action], "major_code": code}
                    for code, (_, approved) in sorted(progress.majors.items()) if not approved]
            continue
        try:
            check_ready(action, progress)
        except ServiceError as exc:
            blocked.append({"action": action, "name": names[action], "reason": exc.message})
        else:
            may.append({"action": action, "name": names[action]})
    return may, blocked


def acting_level(review: dict) -> str | None:
    """The org code whose turn it is to review: the school in draft, a chain level while pending."""
    if review["status"] == states.DRAFT:
        return review["school_code"]
    if is_pending(review["status"]):
        return review["chain"][review["chain_pos"]]["code"]
    return None


def after_approve(review: dict) -> tuple[str, int | None]:
    """(status, chain_pos) after the acting level approves the whole review."""
    pos = review["chain_pos"] + 1
    if pos >= len(review["chain"]):
        return states.APPROVED, None
    return states.pending(review["chain"][pos]["kind"]), pos


def after_submit(review: dict) -> tuple[str, int]:
    return states.pending(review["chain"][0]["kind"]), 0


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise BadInput("退回时请写明原因，学校将据此修改")
    if len(text) > 1000:
        raise BadInput("退回原因不能超过1000字")
    return text
