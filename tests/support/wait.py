import time
from collections.abc import Callable


def until(predicate: Callable[[], object], timeout: float = 30, interval: float = 0.2, what: str = "condition"):
    """Poll until `predicate()` is truthy and return its value; fail the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
