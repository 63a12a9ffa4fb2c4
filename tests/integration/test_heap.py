"""Every service process sets its collector for bursts of short-lived objects (services/common/heap.py)."""
from tests.support.processes import log_since


def test_every_service_process_settles_its_heap_once_started(stack):
    for name, proc in stack.items():
        assert "heap settled: " in log_since(proc.log_path, proc.log_offset), name
