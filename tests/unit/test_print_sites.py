"""Print sites without a broker or a printer: parts of a site job, who may fetch them, what an agent's
report may change, and how the agent reads CUPS's IPP answers."""
import datetime as dt

import pytest

from printagent import cups as agent_cups
from services.common.errors import Forbidden, NotFound
from services.printing import site_jobs
from services.printing.status import site_of


def test_a_certificate_job_is_cut_in_parts_in_list_order_and_forms_go_one_each():
    assert site_jobs.split(list(range(1, 24)), "certificates", 10) == [
        list(range(1, 11)), list(range(11, 21)), [21, 22, 23]]
    assert site_jobs.split([5], "certificates", 10) == [[5]]
    assert site_jobs.split(["register", "namelist"], "forms", 10) == [["register"], ["namelist"]]


def job(**values) -> dict:
    token_hash = site_jobs._hash("the-token")
    return {"site_id": "s", "token_hash": token_hash, "state": "queued", "parts": 2, "what": "certificates",
            "sheets": [[1, 2], [3]], "token_expires": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
            **values}


def test_a_part_is_given_only_for_the_jobs_token_while_the_job_lasts():
    assert site_jobs.part_of(job(), 1, "the-token") == [1, 2]
    assert site_jobs.part_of(job(), 2, "the-token") == [3]
    with pytest.raises(NotFound):
        site_jobs.part_of(job(), 3, "the-token")
    with pytest.raises(Forbidden, match="凭据无效"):
        site_jobs.part_of(job(), 1, "another-token")
    with pytest.raises(Forbidden, match="凭据无效"):
        site_jobs.part_of(job(site_id=None), 1, "the-token")  # not a site's job
    with pytest.raises(Forbidden, match="撤销"):
        site_jobs.part_of(job(), 1, "the-token", site_revoked=True)
    with pytest.raises(Forbidden, match="过期"):
        site_jobs.part_of(job(token_expires=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)), 1,
                          "the-token")
    for ended in ("done", "failed"):
        with pytest.raises(Forbidden, match="已结束"):
            site_jobs.part_of(job(state=ended), 1, "the-token")


def test_only_a_site_routing_key_names_a_site():
    assert site_of("site.0b7c") == "0b7c"
    assert site_of("site.") is None and site_of("other.0b7c") is None and site_of("") is None


def test_the_agent_reads_printers_and_jobs_from_ipptool(fake_commands):
    fake_commands("ipptool", 'case "$*" in *get-printers*) cat <<"EOF"\n'
                  "printer-name,printer-state,printer-state-reasons,printer-state-message,printer-is-accepting-jobs\n"
                  'office,stopped,paused,"缺纸, 请装入空白证书",true\n'
                  "hall,idle,none,,false\n"
                  "EOF\n;; *) cat <<\"EOF\"\n"
                  "job-id,job-name,job-state,job-state-reasons,job-impressions-completed\n"
                  "7,biye-1a2b3c4d-p0001,completed,processing-to-stop-point,10\n"
                  "8,biye-1a2b3c4d-p0002,processing-stopped,printer-stopped,0\n"
                  "EOF\n;; esac")
    assert agent_cups.printers() == [
        {"name": "office", "state": "stopped", "reason": "缺纸, 请装入空白证书", "accepting": True},
        {"name": "hall", "state": "idle", "reason": "", "accepting": False}]
    assert agent_cups.jobs("office") == {7: {"name": "biye-1a2b3c4d-p0001", "state": "completed"},
                                         8: {"name": "biye-1a2b3c4d-p0002", "state": "processing-stopped"}}


def test_the_agent_sends_a_part_unscaled_and_unturned(fake_commands, tmp_path):
    fake_commands("lp", f'echo "$@" > {tmp_path}/args; echo "request id is office-41 (1 file(s))"')
    assert agent_cups.submit("office", "biye-1a2b3c4d-p0003", "/tmp/part.pdf", 1) == 41
    args = (tmp_path / "args").read_text().split()
    assert args[:4] == ["-d", "office", "-t", "biye-1a2b3c4d-p0003"]
    assert {"print-scaling=none", "nofit-to-page", "nopdfAutoRotate"} <= set(args)
    fake_commands("lp", 'echo "lp: Error - The printer or class does not exist." >&2; exit 1')
    with pytest.raises(agent_cups.CupsError, match="没有接受"):
        agent_cups.submit("nope", "t", "/tmp/part.pdf", 1)
