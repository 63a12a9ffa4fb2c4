"""Verification yields the CPU to the services people wait on (services/grading/priority.py)."""
import os


def test_a_grading_process_runs_below_the_other_services(stack):
    own = os.getpriority(os.PRIO_PROCESS, 0)
    niceness = {name: os.getpriority(os.PRIO_PROCESS, proc.proc.pid) - own for name, proc in stack.items()}
    assert niceness["grading"] == 10
    assert {n for name, n in niceness.items() if name != "grading"} == {0}


def test_the_increment_is_configured(spawn):
    grading = spawn("services.grading.service:GradingService", "grading", "services/grading/config.yml",
                    label="grading-not-niced", extra_env={"GRADING_NICE": "0"})
    assert os.getpriority(os.PRIO_PROCESS, grading.proc.pid) == os.getpriority(os.PRIO_PROCESS, 0)
