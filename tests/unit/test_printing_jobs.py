"""Print jobs without a printer: what lp and lpstat answer is parsed, a job's options are checked,
and a sent job's outcome follows from CUPS's lists. The real CUPS is in tests/integration/test_documents.py."""

import pytest

from services.common.errors import BadInput
from services.printing import cups, jobs, submission


def test_lp_answer_gives_the_cups_job_id():
    assert cups.parse_request_id("request id is biye-test-pdf-12 (1 file(s))\n") == "biye-test-pdf-12"
    assert cups.parse_request_id("lp: Error - The printer or class does not exist.") is None


def test_lpstat_lists():
    out = ("biye-test-pdf-2         root              1024   Mon Nov 23 14:18:40 2026\n"
           "\tAlerts: processing-to-stop-point\n"
           "HP_LaserJet-17          zhang            88064   Mon Nov 23 14:20:01 2026\n")
    assert cups.parse_job_ids(out) == {"biye-test-pdf-2", "HP_LaserJet-17"}
    assert cups.parse_job_ids("") == set()
    printers = cups.parse_printers(
        "printer biye-test-pdf is idle.  enabled since Mon Nov 23 14:18:20 2026\n"
        "printer office disabled since Mon Nov 23 14:18:20 2026 -\n\treason unknown\n"
        "printer hp now printing hp-3.  enabled since Mon Nov 23 2026\n")
    assert printers[:2] == [{"name": "biye-test-pdf", "state": "idle", "enabled": True},
                            {"name": "office", "state": "disabled", "enabled": False}]


def test_submit_passes_printer_title_copies_and_files(fake_commands, tmp_path):
    fake_commands("lp", f'echo "$@" > {tmp_path}/args; echo "request id is office-41 (2 file(s))"')
    assert cups.submit("office", "毕业证书 1", ["/tmp/a.pdf", "/tmp/b.pdf"], copies=3) == "office-41"
    assert (tmp_path / "args").read_text().split() == ["-d", "office", "-t", "毕业证书", "1", "-n", "3", "--",
                                                       "/tmp/a.pdf", "/tmp/b.pdf"]


def test_a_refused_job_says_why_in_chinese(fake_commands):
    fake_commands("lp", 'echo "lp: Error - The printer or class does not exist." >&2; exit 1')
    with pytest.raises(cups.CupsError) as err:
        cups.submit("nope", "t", ["/tmp/a.pdf"])
    assert err.value.message == "打印机“nope”没有接受打印任务：lp: Error - The printer or class does not exist."


def test_cups_not_running(fake_commands):
    fake_commands("lpstat", 'echo "lpstat: Bad file descriptor" >&2; exit 1')
    with pytest.raises(cups.CupsError, match="cupsd"):
        cups.printers()
    with pytest.raises(cups.CupsError, match="无法查询打印任务"):
        cups.job_lists()


@pytest.mark.parametrize("active, completed, states, state", [
    ({"p-1"}, set(), {}, None),
    ({"p-1"}, {"p-1"}, {}, None),  # still listed as active: wait
    (set(), {"p-1"}, {}, "done"),  # no ipptool: completed is done
    (set(), {"p-1"}, {"p-1": "completed"}, "done"),
    (set(), {"p-1"}, {"p-1": "canceled"}, "failed"),
    (set(), {"p-1"}, {"p-1": "aborted"}, "failed"),
    (set(), set(), {}, "failed"),  # CUPS no longer knows it
])
def test_a_sent_job_becomes_done_or_failed(active, completed, states, state):
    result = jobs.outcome("p-1", active, completed, states)
    if state is None:
        assert result is None
    else:
        assert result[0] == state
        assert (result[1] is None) == (state == "done")  # a failure always says why


def test_job_options():
    assert submission.check_options("certificates", [3, 1, 3], None, None) == {
        "only_seq": [1, 3], "forms": None, "copies": 1}
    assert submission.check_options("forms", None, None, None) == {
        "only_seq": None, "forms": ["register", "namelist"], "copies": 3}
    assert submission.check_options("forms", [1], ["summary"], 1)["forms"] == ["summary"]
    for bad in [("pictures", None, None, None), ("certificates", ["1"], None, None),
                ("certificates", [0], None, None), ("certificates", [True], None, None),
                ("forms", None, ["nothing"], None), ("forms", None, None, 11), ("certificates", None, None, 0)]:
        with pytest.raises(BadInput):
            submission.check_options(*bad)
