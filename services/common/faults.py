"""Named crash points for fault tests: FAULTS="after_commit" makes the process die right there.

Production never sets FAULTS; the kill tests use it to stop a process at an exact moment that
a random kill would hit only by luck.
"""
import os


def fault_point(name: str) -> None:
    if name in os.environ.get("FAULTS", "").split(","):
        os._exit(137)
