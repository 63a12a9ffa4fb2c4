"""The review state machine: every state × every action × every role, with the expected answer."""
import itertools

import pytest

from services.common.errors import BadInput, Conflict, Forbidden
from services.review import machine

CHAIN = [{"code": "C", "name": "县教育局", "kind": "county"}, {"code": "B", "name": "市教育局", "kind": "city"},
         {"code": "P", "name": "省教育厅", "kind": "province"}]

ACTORS = {
    "school_manager": machine.Actor("S", frozenset({"school_graduation_manager"})),
    "school_user": machine.Actor("S", frozenset({"school_user"})),
    "other_school_manager": machine.Actor("S2", frozenset({"school_graduation_manager"})),
    "county_reviewer": machine.Actor("C", frozenset({"bureau_reviewer"})),
    "county_admin": machine.Actor("C", frozenset({"org_admin"})),
    "city_reviewer": machine.Actor("B", frozenset({"bureau_reviewer"})),
    "province_reviewer": machine.Actor("P", frozenset({"province_reviewer"})),
}
STATES = {  # status: chain_pos
    "draft": None, "pending_county": 0, "pending_city": 1, "pending_province": 2,
    "approved": None, "numbered": None, "printed": None, "stamped": None, "issued": None,
}
LEVEL_ACTIONS = ("approve_major", "approve", "return")

# Who may act, written out by hand: (state, action) → the actors allowed. The city stamps (its unit).
OK = {
    ("draft", "approve_major"): {"school_manager"},
    ("draft", "submit"): {"school_manager"},
    ("draft", "reverify"): {"school_manager"},
    **{("pending_county", a): {"county_reviewer"} for a in LEVEL_ACTIONS},
    **{("pending_city", a): {"city_reviewer"} for a in LEVEL_ACTIONS},
    **{("pending_province", a): {"province_reviewer"} for a in LEVEL_ACTIONS},
    ("numbered", "mark_printed"): {"school_manager"},
    ("printed", "stamp"): {"city_reviewer"},
    ("stamped", "mark_graduated"): {"school_manager"},
}
# A level that has already approved and acts again is told so (409), not refused as a stranger.
ALREADY_PASSED = {("pending_city", "county_reviewer"), ("pending_province", "county_reviewer"),
                  ("pending_province", "city_reviewer")}


def expected(state: str, action: str, actor: str) -> str:
    if (state, action) not in OK:
        return "409"  # the state does not allow the action at all
    if actor in OK[(state, action)]:
        return "ok"
    if (state, actor) in ALREADY_PASSED and action in LEVEL_ACTIONS:
        return "409"
    return "403"


CASES = list(itertools.product(STATES, machine.ACTIONS, ACTORS))


@pytest.mark.parametrize("state, action, actor", CASES, ids=["-".join(c) for c in CASES])
def test_state_action_role(state, action, actor):
    review = {"status": state, "chain_pos": STATES[state], "chain": CHAIN, "school_code": "S",
              "stamping_org_code": "B"}
    outcome = expected(state, action, actor)
    if outcome == "ok":
        machine.check(action, review, ACTORS[actor])
    else:
        with pytest.raises(Conflict if outcome == "409" else Forbidden) as err:
            machine.check(action, review, ACTORS[actor])
        assert err.value.message  # a Chinese sentence for the person


@pytest.mark.parametrize("chain, after", [
    (CHAIN, ["pending_county", "pending_city", "pending_province", "approved"]),
    (CHAIN[1:], ["pending_city", "pending_province", "approved"]),
    (CHAIN[2:], ["pending_province", "approved"]),
])
def test_the_three_chain_shapes(chain, after):
    review = {"status": "draft", "chain": chain, "chain_pos": None}
    review |= machine.after(machine.SUBMIT, review)
    seen = [review["status"]]
    while review["status"] != "approved":
        review |= machine.after(machine.APPROVE, review)
        seen.append(review["status"])
    assert seen == after and review["chain_pos"] is None


def test_return_starts_a_new_round_in_draft():
    review = {"status": "pending_city", "chain": CHAIN, "chain_pos": 1, "round": 2}
    assert machine.after(machine.RETURN, review) == {"status": "draft", "chain_pos": None, "round": 3}


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * 1001])
def test_return_needs_a_written_reason(reason):
    with pytest.raises(BadInput, match="原因"):
        machine.require_reason(reason)


def test_reverify_waits_for_verification():
    """重新核验 is offered once verification is done; while it runs it is blocked, with why."""
    review = {"status": "draft", "chain_pos": None, "chain": CHAIN, "school_code": "S"}
    running, done = machine.Progress(verified=False), machine.Progress(verified=True)
    with pytest.raises(Conflict, match="核验尚未完成"):
        machine.check_ready(machine.REVERIFY, review, running)
    machine.check_ready(machine.REVERIFY, review, done)
    may, blocked = machine.permitted(review, running, ACTORS["school_manager"])
    assert "reverify" not in {a["action"] for a in may} and "reverify" in {b["action"] for b in blocked}
    may, blocked = machine.permitted(review, done, ACTORS["school_manager"])
    assert "reverify" in {a["action"] for a in may} and "reverify" not in {b["action"] for b in blocked}


ALL_APPROVED = machine.Progress(verified=True, majors={"710204": ("计算机应用", True)})


@pytest.mark.parametrize("unit", [None, ""])
def test_the_province_cannot_approve_without_a_stamping_unit_code(unit):
    """Numbers follow the province's approval and carry the stamping unit's code: without one the
    approval is refused before it happens, and the province sees why instead of the button."""
    review = {"status": "pending_province", "chain_pos": 2, "chain": CHAIN, "school_code": "S",
              "stamping_unit_code": unit, "stamping_org_code": None}
    with pytest.raises(Conflict) as err:
        machine.check_ready(machine.APPROVE, review, ALL_APPROVED)
    assert "验印单位代码" in err.value.message and "机构管理" in err.value.message and "允许重建" in err.value.message
    may, blocked = machine.permitted(review, ALL_APPROVED, ACTORS["province_reviewer"])
    assert {a["action"] for a in may} == {"return"}
    assert blocked == [{"action": "approve", "name": "审核通过", "reason": err.value.message}]


def test_only_the_last_approval_needs_the_stamping_unit_code():
    """The county and the city approve as before; with a code the province approves too."""
    for status, pos in (("pending_county", 0), ("pending_city", 1)):
        machine.check_ready(machine.APPROVE, {"status": status, "chain_pos": pos, "chain": CHAIN,
                                              "stamping_unit_code": None}, ALL_APPROVED)
    machine.check_ready(machine.APPROVE, {"status": "pending_province", "chain_pos": 2, "chain": CHAIN,
                                          "stamping_unit_code": "05"}, ALL_APPROVED)
