"""A settled heap: what the started process holds is frozen, young collections are spaced out."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETTLED = ("import gc; from services.common import heap; assert gc.get_freeze_count() > 10_000, gc.get_freeze_count(); "
           "assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD, gc.get_threshold()")


@pytest.mark.parametrize("start", [
    "from services.common import heap; heap.settle()",
    "import gateway.app, gateway.gunicorn_conf as conf; conf.post_worker_init(None)",
])
def test_a_started_service_and_a_gateway_worker_settle_their_heap(start):
    """In a fresh process: the test process's own collector is left as it is."""
    subprocess.run([sys.executable, "-c", f"{start}; {SETTLED}"], check=True, cwd=ROOT, capture_output=True)
