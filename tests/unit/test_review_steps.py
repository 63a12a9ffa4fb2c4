"""Applying an action: every action of the machine is one declared step of actions.py, or applied elsewhere."""
from services.review import actions, machine


def test_every_action_is_applied_by_one_declared_step():
    """`act` applies each action by its step; 重新核验 alone is applied elsewhere (through roster)."""
    assert set(actions.STEPS) | set(actions.APPLIED_ELSEWHERE) == set(machine.ACTIONS)
    assert not set(actions.STEPS) & set(actions.APPLIED_ELSEWHERE)
