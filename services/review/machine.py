"""Who may do what to a review, and what follows: the review's state machine as pure functions.

Levels: the school edits and approves its own majors while the review is a draft; after submission
each level of the school's chain (nearest bureau first, the province last) approves every major's
table and then the whole review, or returns it to draft with a written reason, after which the chain
starts again. Each rule raises the error the API answers with: 409 for an action the state does not
allow (or work not yet done), 403 for an organisation whose turn it is not.

Every action is declared once, in RULES: its name, the states it is possible in, who acts, the work
that must be done before it, and the state it leads to. `check`, `check_ready`, `permitted` and `after`
read that table; actions.py applies what it allows.
"""
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from services.common.errors import BadInput, Conflict, Forbidden, NotFound, ServiceError
from services.review import states

SCHOOL_ROLES = {"school_graduation_manager"}
LEVEL_ROLES = {"city": {"bureau_reviewer"}, "county": {"bureau_reviewer"}, "province": {"province_reviewer"}}
STAMPING_ROLES = {"bureau_reviewer", "province_reviewer"}

APPROVE_MAJOR = "approve_major"
SUBMIT = "submit"
APPROVE = "approve"
RETURN = "return"
MARK_PRINTED = "mark_printed"
STAMP = "stamp"
MARK_GRADUATED = "mark_graduated"
REVERIFY = "reverify"  # 重新核验: the stored list verified again (POST /reviews/{id}/reverify)

# Who acts: the school's graduation manager, the chain's level whose turn it is, whoever's turn it
# is (the school in its draft, the level while pending), or the stamping unit.
SCHOOL, LEVEL, TURN, STAMPING_UNIT = "school", "level", "turn", "stamping_unit"

# The province's approval is followed by certificate numbers, whose 5th and 6th digits are the stamping
# unit's code. The review keeps the chain and unit it was imported with, so a code set later reaches it
# only through a new import of its list.
NO_STAMPING_UNIT_CODE = (
    "本审核导入名单时，学校及其上级单位都没有验印单位代码（证书编号的第5、6位），审核通过后无法发放证书编号。"
    "请省级管理员在“机构管理”中为学校的验印单位设置验印单位代码，然后退回本审核，"
    "由学校勾选“允许重建”重新导入名单后再提交")


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

    @classmethod
    def of(cls, status: str, verified: bool, majors: dict[str, str], approved: Collection[str]) -> "Progress":
        """The progress of a review in `status` with these majors {code: name}, `approved` by the acting level."""
        return cls(verified=verified, majors={code: (name, code in approved) for code, name in majors.items()},
                   by_school=status == states.DRAFT)


# A readiness rule: raises Conflict (or NotFound) unless the work before the action is done.
Readiness = Callable[[dict, Progress, str | None], None]


@dataclass(frozen=True)
class Rule:
    """One action as the machine declares it."""
    name: str                            # as history, messages and buttons name it
    possible_in: Callable[[str], bool]   # the states it is possible in
    by: str                              # who acts: SCHOOL, LEVEL, TURN or STAMPING_UNIT
    after: Callable[[dict], dict]        # the review's state columns it changes: status, chain_pos, round
    ready: tuple[Readiness, ...] = ()    # the work that must be done first, checked in this order
    per_major: bool = False              # done to one major's table at a time (offered once per major)
    school_name: str | None = None       # its name when the school does it to its own draft


def is_pending(status: str) -> bool:
    return status.startswith("pending_")


def _in(*statuses: str) -> Callable[[str], bool]:
    return lambda status: status in statuses


def _draft_or_pending(status: str) -> bool:
    return status == states.DRAFT or is_pending(status)


def after_submit(review: dict) -> dict:
    """The first level of the chain reviews."""
    return {"status": states.pending(review["chain"][0]["kind"]), "chain_pos": 0}


def after_approve(review: dict) -> dict:
    """The next level of the chain reviews; after the last (the province) the review is approved."""
    pos = review["chain_pos"] + 1
    if pos >= len(review["chain"]):
        return {"status": states.APPROVED, "chain_pos": None}
    return {"status": states.pending(review["chain"][pos]["kind"]), "chain_pos": pos}


def after_return(review: dict) -> dict:
    """The school's draft again, in a new round: every level approves again."""
    return {"status": states.DRAFT, "chain_pos": None, "round": review["round"] + 1}


def _unchanged(review: dict) -> dict:
    return {}


def _to(status: str) -> Callable[[dict], dict]:
    return lambda review: {"status": status}


def _verified(refusal: str) -> Readiness:
    def ready(review: dict, progress: Progress, major_code: str | None) -> None:
        if not progress.verified:
            raise Conflict(refusal)
    return ready


def _has_qualified(review: dict, progress: Progress, major_code: str | None) -> None:
    if not progress.majors:
        raise Conflict("没有合格的毕业生，不能提交；请先修改成绩或学籍后重新导入名单")


def _every_major_approved(review: dict, progress: Progress, major_code: str | None) -> None:
    missing = [f"{name}（{code}）" for code, (name, approved) in sorted(progress.majors.items()) if not approved]
    if missing:
        done = "确认" if progress.by_school else "审核通过"
        raise Conflict(f"以下专业的毕业生资格审核表尚未{done}：{'、'.join(missing)}")


def _major_to_approve(review: dict, progress: Progress, major_code: str | None) -> None:
    if major_code not in progress.majors:
        raise NotFound(f"本审核中没有专业代码为{major_code}的合格毕业生")
    name, approved = progress.majors[major_code]
    if approved:
        raise Conflict(f"{name}（{major_code}）毕业生资格审核表本级已审核通过")


def _numbers_can_follow(review: dict, progress: Progress, major_code: str | None) -> None:
    """The approval that completes the chain needs the stamping unit's code: numbering follows it."""
    if after_approve(review)["status"] == states.APPROVED and not review.get("stamping_unit_code"):
        raise Conflict(NO_STAMPING_UNIT_CODE)


# Every action, in the order they are offered.
RULES: dict[str, Rule] = {
    APPROVE_MAJOR: Rule("审核通过专业资格审核表", _draft_or_pending, TURN, _unchanged, (_major_to_approve,),
                        per_major=True, school_name="确认资格审核表"),
    SUBMIT: Rule("提交", _in(states.DRAFT), SCHOOL, after_submit,
                 (_verified("成绩核验尚未完成，请稍候再提交"), _has_qualified, _every_major_approved)),
    REVERIFY: Rule("重新核验", _in(states.DRAFT), SCHOOL, _unchanged,
                   (_verified("成绩核验尚未完成，请等核验完成后再重新核验"),)),
    APPROVE: Rule("审核通过", is_pending, LEVEL, after_approve, (_numbers_can_follow, _every_major_approved)),
    RETURN: Rule("退回修改", is_pending, LEVEL, after_return),
    MARK_PRINTED: Rule("标记证书已打印", _in(states.NUMBERED), SCHOOL, _to(states.PRINTED)),
    STAMP: Rule("验印", _in(states.PRINTED), STAMPING_UNIT, _to(states.STAMPED)),
    MARK_GRADUATED: Rule("标记学籍已毕业", _in(states.STAMPED), SCHOOL, _to(states.ISSUED)),
}
ACTIONS = tuple(RULES)
ACTION_NAMES = {action: rule.name for action, rule in RULES.items()}
# What else a review's history records: the school's confirmation of its own tables, the list's
# import, and what numbering did.
HISTORY_NAMES = {
    **ACTION_NAMES, "confirm_major": "学校确认专业资格审核表", "create": "导入名单", "rebuild": "重新导入名单",
    "numbered": "发放证书编号",
    "numbering_refused": "未发放证书编号",
}


def name_of(action: str, status: str) -> str:
    """The action as a button names it in a review in `status`."""
    rule = RULES[action]
    return (rule.school_name or rule.name) if status == states.DRAFT else rule.name


def _school_acts(action: str, review: dict, actor: Actor) -> None:
    if actor.org_code != review["school_code"] or not (actor.roles & SCHOOL_ROLES):
        raise Forbidden(f"只有本校的毕业管理员可以{ACTION_NAMES[action]}")


def _stamping_unit_acts(action: str, review: dict, actor: Actor) -> None:
    unit = review.get("stamping_org_code")
    allowed = {o["code"] for o in review["chain"]} if unit is None else {unit}
    if actor.org_code not in allowed or not actor.roles & STAMPING_ROLES:
        raise Forbidden("只有验印单位可以验印")


def _level_acts(action: str, review: dict, actor: Actor) -> None:
    chain = review["chain"]
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


ACTING = {SCHOOL: _school_acts, LEVEL: _level_acts, STAMPING_UNIT: _stamping_unit_acts}


def check(action: str, review: dict, actor: Actor) -> None:
    """Raise Conflict (409) if the state does not allow `action`, Forbidden (403) if it is not the
    actor's turn or role. Returns quietly when the actor may act."""
    rule, status = RULES[action], review["status"]
    if not rule.possible_in(status):
        raise Conflict(f"毕业审核当前为“{states.NAMES.get(status, status)}”，不能{rule.name}")
    by = rule.by if rule.by != TURN else SCHOOL if status == states.DRAFT else LEVEL
    ACTING[by](action, review, actor)


def check_ready(action: str, review: dict, progress: Progress, major_code: str | None = None) -> None:
    """Raise Conflict (409) unless the work before `action` is done: verification finished and every
    major confirmed before submitting; every major approved before a level approves, and for the
    province's approval a stamping-unit code for the numbers; NotFound for a major not in the review."""
    for ready in RULES[action].ready:
        ready(review, progress, major_code)


def permitted(review: dict, progress: Progress, actor: Actor) -> tuple[list[dict], list[dict]]:
    """What `actor` may do now, by the rules that judge the request (check, then check_ready), and
    what their turn allows but unfinished work still blocks, with why. An action done per major is
    one entry per major the acting level has not approved yet."""
    may, blocked = [], []
    for action, rule in RULES.items():
        try:
            check(action, review, actor)
        except ServiceError:
            continue
        name = name_of(action, review["status"])
        if rule.per_major:
            may += [{"action": action, "name": name, "major_code": code}
                    for code, (_, approved) in sorted(progress.majors.items()) if not approved]
            continue
        try:
            check_ready(action, review, progress)
        except ServiceError as exc:
            blocked.append({"action": action, "name": name, "reason": exc.message})
        else:
            may.append({"action": action, "name": name})
    return may, blocked


def after(action: str, review: dict) -> dict:
    """The review's state columns `action` changes (status, chain_pos, round); empty if it keeps its state."""
    return RULES[action].after(review)


def acting_level(review: dict) -> str | None:
    """The org code whose turn it is to review: the school in draft, a chain level while pending."""
    if review["status"] == states.DRAFT:
        return review["school_code"]
    if is_pending(review["status"]):
        return review["chain"][review["chain_pos"]]["code"]
    return None


def require_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise BadInput("退回时请写明原因，学校将据此修改")
    if len(text) > 1000:
        raise BadInput("退回原因不能超过1000字")
    return text
