"""The printing service's entry points without servers (worker_factory): each hands the right things to
the module that does the work, in the right transaction. The real run is in tests/integration/test_documents.py
and test_print_sites.py."""
import os
from unittest.mock import ANY, MagicMock

import pytest
from nameko.testing.services import worker_factory

from services.common import events
from services.common.errors import BadInput, Conflict, NotFound
from services.printing import broker, cups, documents, jobs, polling, profiles, site_jobs, sites
from services.printing.errors import PrinterUnavailable
from services.printing.service import PrintingService
from tests.unit.service_fakes import FakeDb

REVIEW = {"id": "r1", "school_code": "S1", "school_name": "临渭职专", "year": 2026, "season": "夏季"}
ACTOR = {"username": "zhang"}
PUBLIC_URL = "https://biye.example.cn"
PROFILE = {"name": "左移", "offset_x_mm": -1.0, "offset_y_mm": 0.0, "skew_deg": 0.0, "scale": 1.0}


@pytest.fixture
def service(tmp_path):
    worker = worker_factory(PrintingService, db=FakeDb(), config={
        "UPLOAD_DIR": str(tmp_path), "PUBLIC_URL": PUBLIC_URL, "PRINT_PART_SHEETS": "2",
        "AMQP_URI": "amqp://svc:pw@mq:5672/biye%2Fprod", "AGENT_BROKER_URL": "amqps://mq.example.cn:5671/"})
    worker.review.get_review.return_value = REVIEW
    worker.numbering.certificates.return_value = {"failure": None, "certificates": [
        {"seq": seq, "status": "valid", "id_number": f"61052{seq}"} for seq in (1, 2, 3)]}
    return worker


@pytest.fixture
def find_profile(monkeypatch):
    found = MagicMock(return_value=PROFILE)
    monkeypatch.setattr(profiles, "find", found)
    return found


@pytest.fixture
def rendered(monkeypatch):
    """documents.certificates and documents.form answer at once; files are still written (and removed)."""
    certificates = MagicMock(return_value=(b"%PDF certificates", 2))
    form = MagicMock(side_effect=lambda src, review_id, name, fmt: (REVIEW, b"%PDF " + name.encode(), f"{name}.{fmt}"))
    monkeypatch.setattr(documents, "certificates", certificates)
    monkeypatch.setattr(documents, "form", form)
    return certificates, form


@pytest.fixture
def job_store(monkeypatch):
    """jobs.load answers the one job in `store`; jobs.update records (session, job id, values)."""
    store: dict[str, dict] = {}
    updates: list[tuple] = []

    def load(session, job_id):
        if job_id not in store:
            raise NotFound("找不到该打印任务")
        return store[job_id]

    monkeypatch.setattr(jobs, "load", load)
    monkeypatch.setattr(jobs, "update", lambda session, job_id, **values: updates.append((session, job_id, values)))
    return store, updates


@pytest.fixture
def lp(monkeypatch):
    """cups.submit records what it was given, and whether the files were there then."""
    sent: list[tuple] = []

    def submit(printer, title, paths, copies=1):
        sent.append((printer, title, list(paths), copies, all(os.path.exists(p) for p in paths)))
        return f"{printer}-7"

    monkeypatch.setattr(cups, "submit", submit)
    return sent


def local_job(**values) -> dict:
    return {"id": "0b7c4d2e-1111-2222-3333-444455556666", "review_id": "r1", "what": "certificates",
            "profile": "左移", "printer": "office", "only_seq": [2, 3], "forms": None, "copies": 2,
            "state": jobs.QUEUED, "site_id": None, **values}


# --- on_print_job_submitted: the local job's state machine, each state in a transaction of its own ---

def test_a_job_event_renders_the_certificates_and_sends_them_to_cups(service, find_profile, rendered, job_store,
                                                                      lp):
    store, updates = job_store
    job = store["j"] = local_job(id="j")
    service.on_print_job_submitted({"event_id": "e1", "job_id": "j"})

    claim_session = service.db.sessions[0]
    service.db.claim.assert_called_once_with(claim_session, "e1", "printing.on_print_job_submitted")
    assert [(job_id, values) for _, job_id, values in updates] == [
        ("j", {"state": jobs.RENDERING}), ("j", {"state": jobs.SENT, "cups_job_id": "office-7", "pages": 2})]
    state_sessions = [session for session, _, _ in updates]
    assert claim_session not in state_sessions and len(set(map(id, state_sessions))) == 2
    assert all(s in service.db.committed for s in state_sessions)
    service.review.get_review.assert_called_once_with("r1")
    find_profile.assert_called_once_with(ANY, "S1", "左移", fallback="office")
    certificates, _ = rendered
    certificates.assert_called_once_with(ANY, REVIEW, PROFILE, [2, 3], False, PUBLIC_URL)
    [(printer, title, paths, copies, existed)] = lp
    assert (printer, title, copies, existed) == ("office", f"毕业审核验印-certificates-{job['id'][:8]}", 2, True)
    assert len(paths) == 1 and paths[0].endswith(".pdf") and not os.path.exists(paths[0])  # CUPS spooled it


def test_a_forms_job_sends_a_file_per_form_in_one_cups_job(service, rendered, job_store, lp):
    store, updates = job_store
    store["j"] = local_job(id="j", what="forms", forms=["register", "namelist"], only_seq=None, copies=3,
                           profile=None)
    service.on_print_job_submitted({"event_id": "e1", "job_id": "j"})
    _, form = rendered
    assert [c.args[1:] for c in form.call_args_list] == [("r1", "register", "pdf"), ("r1", "namelist", "pdf")]
    [(printer, _, paths, copies, existed)] = lp
    assert (printer, len(paths), copies, existed) == ("office", 2, 3, True)
    assert updates[-1][2] == {"state": jobs.SENT, "cups_job_id": "office-7", "pages": None}


def test_a_job_found_rendering_is_failed_never_sent_twice(service, job_store, lp):
    store, updates = job_store
    store["j"] = local_job(id="j", state=jobs.RENDERING)
    store["k"] = local_job(id="k", state=jobs.SENT)
    service.on_print_job_submitted({"event_id": "e1", "job_id": "j"})
    service.on_print_job_submitted({"event_id": "e2", "job_id": "k"})
    assert [(job_id, values) for _, job_id, values in updates] == [
        ("j", {"state": jobs.FAILED, "error": jobs.INTERRUPTED})]
    assert lp == []


@pytest.mark.parametrize("failure, error", [
    (Conflict("证书编号发放失败：编号已用完"), "证书编号发放失败：编号已用完"),
    (OSError("disk full"), "生成打印文件时出错：disk full"),
])
def test_a_job_that_cannot_be_rendered_fails_with_the_reason(service, find_profile, rendered, job_store, lp,
                                                             failure, error):
    store, updates = job_store
    store["j"] = local_job(id="j")
    rendered[0].side_effect = failure
    service.on_print_job_submitted({"event_id": "e1", "job_id": "j"})
    assert updates[-1][1:] == ("j", {"state": jobs.FAILED, "error": error})
    assert lp == []
    assert service.db.sessions[0] in service.db.committed  # the event is handled: not redelivered


def test_a_job_cups_refuses_fails_with_cups_words_and_leaves_no_file(service, find_profile, rendered, job_store,
                                                                     monkeypatch, tmp_path):
    store, updates = job_store
    store["j"] = local_job(id="j")
    monkeypatch.setattr(cups, "submit", MagicMock(side_effect=cups.CupsError("打印机“office”没有接受打印任务")))
    service.on_print_job_submitted({"event_id": "e1", "job_id": "j"})
    assert updates[-1][1:] == ("j", {"state": jobs.FAILED, "error": "打印机“office”没有接受打印任务"})
    assert os.listdir(tmp_path / "rendered") == []


def test_an_event_for_a_job_not_here_or_handled_before_changes_nothing(service, job_store, lp):
    store, updates = job_store
    service.on_print_job_submitted({"event_id": "e1", "job_id": "elsewhere"})
    service.db.claim.return_value = False
    store["j"] = local_job(id="j")
    service.on_print_job_submitted({"event_id": "e2", "job_id": "j"})
    assert updates == [] and lp == []


# --- poll_print_jobs: one process at a time, under the advisory lock ---

def sent_job(job_id: str, cups_job_id: str) -> dict:
    return local_job(id=job_id, state=jobs.SENT, cups_job_id=cups_job_id, printer=cups_job_id.rsplit("-", 1)[0])


@pytest.fixture
def cups_answers(monkeypatch):
    """lpstat's lists of active and completed jobs; ipptool's final state of one."""
    completed_of = MagicMock(return_value={"office-1": "canceled"})
    monkeypatch.setattr(cups, "job_lists", MagicMock(return_value=({"office-2", "lab-5"}, {"office-1", "hall-4"})))
    monkeypatch.setattr(cups, "completed_states", completed_of)
    return completed_of


def test_the_poll_records_what_cups_made_of_sent_jobs_under_the_lock(service, job_store, cups_answers, monkeypatch):
    _, updates = job_store
    waiting = [sent_job("a", "office-1"), sent_job("b", "office-2"), sent_job("c", "hall-3"), sent_job("d", "hall-4"),
               sent_job("e", "lab-5")]
    monkeypatch.setattr(jobs, "sent", MagicMock(return_value=waiting))
    monkeypatch.setattr(polling, "claim_poll", MagicMock(return_value=True))
    service.poll_print_jobs()

    [session] = service.db.sessions
    polling.claim_poll.assert_called_once_with(session)
    jobs.sent.assert_called_once_with(session)
    assert sorted(c.args[0] for c in cups_answers.call_args_list) == ["hall", "office"]  # those with finished jobs
    assert [(s is session, job_id, values["state"]) for s, job_id, values in updates] == [
        (True, "a", jobs.FAILED), (True, "c", jobs.FAILED), (True, "d", jobs.DONE)]
    assert "取消" in updates[0][2]["error"] and updates[2][2]["error"] is None


def test_the_poll_lock_is_the_transactions_advisory_lock():
    session = MagicMock()
    session.execute.return_value.scalar.return_value = False
    assert polling.claim_poll(session) is False
    sql = str(session.execute.call_args.args[0])
    assert "pg_try_advisory_xact_lock" in sql and "printing:poll" in sql


def test_a_process_that_does_not_get_the_lock_skips_the_round(service, job_store, cups_answers, monkeypatch):
    monkeypatch.setattr(jobs, "sent", MagicMock(return_value=[sent_job("a", "office-1")]))
    monkeypatch.setattr(polling, "claim_poll", MagicMock(return_value=False))
    service.poll_print_jobs()
    jobs.sent.assert_not_called()
    cups.job_lists.assert_not_called()


def test_cups_away_leaves_sent_jobs_as_they_are(service, job_store, monkeypatch):
    monkeypatch.setattr(jobs, "sent", MagicMock(return_value=[sent_job("a", "office-1")]))
    monkeypatch.setattr(polling, "claim_poll", MagicMock(return_value=True))
    monkeypatch.setattr(cups, "job_lists", MagicMock(side_effect=cups.CupsError("无法查询打印任务")))
    service.poll_print_jobs()
    assert job_store[1] == []


# --- submit_print_job: checked before anything is stored ---

@pytest.fixture
def created(monkeypatch):
    create = MagicMock(return_value="job-1")
    monkeypatch.setattr(jobs, "create", create)
    return create


@pytest.fixture
def local_printers(monkeypatch):
    exists = MagicMock(return_value=True)
    monkeypatch.setattr(cups, "printer_exists", exists)
    return exists


@pytest.mark.parametrize("printer, what, only_seq, forms, copies", [
    ("  ", "certificates", None, None, None),
    ("office", "pictures", None, None, None),
    ("office", "certificates", [0], None, None),
    ("office", "certificates", "1,2", None, None),
    ("office", "forms", None, ["nothing"], None),
    ("office", "forms", None, None, 11),
])
def test_a_bad_submission_is_refused_before_anything_is_asked(service, created, local_printers, printer, what,
                                                              only_seq, forms, copies):
    with pytest.raises(BadInput):
        service.submit_print_job("r1", printer, None, what, only_seq, ACTOR, forms, copies)
    service.review.get_review.assert_not_called()
    local_printers.assert_not_called()
    assert service.db.sessions == []


def test_certificates_go_to_the_local_cups_with_their_event(service, created, local_printers, find_profile):
    job_id = service.submit_print_job("r1", " office ", "左移", "certificates", [3, 1, 3], ACTOR)

    assert job_id == "job-1"
    service.review.get_review.assert_called_once_with("r1")
    service.numbering.certificates.assert_called_with("r1")
    local_printers.assert_called_once_with("office")
    [session] = service.db.committed
    find_profile.assert_called_once_with(session, "S1", "左移", fallback="office")
    created.assert_called_once_with(session, REVIEW, "office", "certificates", "左移",
                                    {"only_seq": [1, 3], "forms": None, "copies": 1}, "zhang")
    service.db.add_event.assert_called_once_with(session, events.PRINT_JOB_SUBMITTED, {"job_id": "job-1"})


def test_forms_without_numbers_need_none_and_no_profile(service, created, local_printers, find_profile):
    service.submit_print_job("r1", "office", "左移", "forms", [1], ACTOR, ["summary"])
    service.numbering.certificates.assert_not_called()
    find_profile.assert_not_called()
    created.assert_called_once_with(ANY, REVIEW, "office", "forms", None,
                                    {"only_seq": None, "forms": ["summary"], "copies": 3}, "zhang")


def test_the_name_lists_need_numbers(service, created, local_printers):
    service.numbering.certificates.return_value = {"failure": None, "certificates": []}
    with pytest.raises(Conflict, match="尚未发放"):
        service.submit_print_job("r1", "office", None, "forms", None, ACTOR, ["summary", "namelist"])
    created.assert_not_called()


def test_a_seq_without_a_certificate_is_refused_before_a_job_is_stored(service, created, local_printers):
    with pytest.raises(Conflict, match="序号为9"):
        service.submit_print_job("r1", "office", None, "certificates", [1, 9], ACTOR)
    local_printers.assert_not_called()
    created.assert_not_called()


def test_a_printer_the_local_cups_lacks_or_cups_away(service, created, local_printers, find_profile):
    local_printers.return_value = False
    with pytest.raises(NotFound, match="office"):
        service.submit_print_job("r1", "office", None, "certificates", None, ACTOR)
    local_printers.side_effect = cups.CupsError("打印系统（CUPS）60秒内没有响应")
    with pytest.raises(PrinterUnavailable, match="没有响应"):
        service.submit_print_job("r1", "office", None, "certificates", None, ACTOR)
    created.assert_not_called()
    assert service.db.sessions == []


def test_a_profile_the_school_lacks_stores_no_job(service, created, local_printers, monkeypatch):
    monkeypatch.setattr(profiles, "find", MagicMock(side_effect=NotFound("本校没有名为“斜”的打印方案")))
    with pytest.raises(NotFound, match="打印方案"):
        service.submit_print_job("r1", "office", "斜", "certificates", None, ACTOR)
    assert service.db.committed == []
    service.db.add_event.assert_not_called()


@pytest.fixture
def site(monkeypatch):
    active = MagicMock(return_value={"id": "s1", "name": "教务处", "printers": [{"name": "hall"}]})
    announce = MagicMock()
    monkeypatch.setattr(sites, "active", active)
    monkeypatch.setattr(site_jobs, "announce", announce)
    monkeypatch.setattr(jobs, "load", lambda session, job_id: {"id": job_id, "site_id": "s1"})
    return active, announce


def test_a_site_job_is_cut_in_parts_and_announced_to_the_site(service, created, local_printers, find_profile, site):
    active, announce = site
    job_id = service.submit_print_job("r1", "hall", None, "certificates", [3, 1, 2], ACTOR, site_id="s1",
                                      reprint_reason="卡纸")
    assert job_id == "job-1"
    active.assert_called_once_with(service.db.sessions[0], "s1")
    local_printers.assert_not_called()
    session = service.db.sessions[1]
    find_profile.assert_called_once_with(session, "S1", None, fallback="hall")
    created.assert_called_once_with(session, REVIEW, "hall", "certificates", "左移",
                                    {"only_seq": [1, 2, 3], "forms": None, "copies": 1}, "zhang", "s1", "卡纸")
    announce.assert_called_once_with(session, {"id": "job-1", "site_id": "s1"}, [[1, 2], [3]],
                                     service.db.add_event)  # PRINT_PART_SHEETS=2
    assert service.db.committed == service.db.sessions


def test_a_site_forms_job_has_a_part_per_form(service, created, site):
    service.submit_print_job("r1", "hall", None, "forms", None, ACTOR, ["summary", "register"], 1, "s1")
    assert site[1].call_args.args[2] == [["summary"], ["register"]]


def test_a_printer_the_site_has_not_reported_is_refused(service, created, site):
    with pytest.raises(NotFound, match="没有名为“office”的打印机"):
        service.submit_print_job("r1", "office", None, "certificates", None, ACTOR, site_id="s1")
    created.assert_not_called()


# --- rendering for the gateway and the agents ---

def test_certificates_are_rendered_for_the_seqs_asked_once_each(service, find_profile, rendered):
    done = service.render_certificates("r1", "左移", [3, 1, 3], preview=True)
    certificates, _ = rendered
    certificates.assert_called_once_with(ANY, REVIEW, PROFILE, [1, 3], True, PUBLIC_URL)
    src = certificates.call_args.args[0]
    assert (src.review, src.numbering, src.roster) == (service.review, service.numbering, service.roster)
    find_profile.assert_called_once_with(ANY, "S1", "左移", fallback=None)
    assert done["pages"] == 2 and done["filename"] == "临渭职专2026夏季毕业证书（预览）.pdf"
    assert os.path.exists(done["path"]) and done["profile"] == "左移"


@pytest.mark.parametrize("only_seq", [[0], [True], ["1"], "1,2", {"seq": 1}])
def test_certificates_for_seqs_that_are_not_seqs_are_refused(service, rendered, only_seq):
    with pytest.raises(BadInput, match="only_seq"):
        service.render_certificates("r1", None, only_seq)
    rendered[0].assert_not_called()


def test_a_form_is_written_where_the_gateway_reads_it(service, rendered, tmp_path):
    done = service.render_form("r1", "register", "xlsx")
    rendered[1].assert_called_once_with(ANY, "r1", "register", "xlsx")
    assert done["filename"] == "register.xlsx" and done["path"].startswith(str(tmp_path / "rendered"))
    assert done["path"].endswith(".xlsx")


def test_a_site_job_part_renders_its_sheets_for_the_token_holder(service, find_profile, rendered, monkeypatch):
    job = local_job(id="j", site_id="s1", printer="hall")
    load_part = MagicMock(return_value=(job, [3]))
    monkeypatch.setattr(site_jobs, "load_part", load_part)
    done = service.job_part("j", 2, "the-token")
    load_part.assert_called_once_with(service.db.sessions[0], "j", 2, "the-token")
    rendered[0].assert_called_once_with(ANY, REVIEW, PROFILE, [3], False, PUBLIC_URL)
    find_profile.assert_called_once_with(ANY, "S1", "左移", fallback="hall")
    assert done["filename"] == "j-2.pdf"

    load_part.return_value = (local_job(id="j", what="forms", site_id="s1"), ["namelist"])
    done = service.job_part("j", 1, "the-token")
    rendered[1].assert_called_once_with(ANY, "r1", "namelist", "pdf")
    assert done["filename"] == "j-1.pdf" and os.path.basename(done["path"]).startswith("j-1-")


# --- print sites ---

def test_an_agents_heartbeat_and_job_report_reach_the_site_named_by_the_routing_key(service, monkeypatch):
    heartbeat, report = MagicMock(), MagicMock()
    monkeypatch.setattr(sites, "heartbeat", heartbeat)
    monkeypatch.setattr(site_jobs, "report", report)
    service.on_site_status({"type": "heartbeat", "printers": [{"name": "hall"}]}, "site.s1")
    heartbeat.assert_called_once_with(service.db.sessions[0], "s1", [{"name": "hall"}])
    body = {"type": "job", "job_id": "j", "state": "printing"}
    service.on_site_status(body, "site.s1")
    report.assert_called_once_with(service.db.sessions[1], "s1", body)
    service.on_site_status({"type": "heartbeat", "printers": []}, "other.s1")
    service.on_site_status(["not", "a", "dict"], "site.s1")
    assert len(service.db.sessions) == 2


def test_registering_a_site_gives_its_agent_credentials_once(service, monkeypatch):
    add_site = MagicMock()
    monkeypatch.setattr(broker.BrokerAdmin, "add_site", add_site)
    monkeypatch.setattr(sites, "create", MagicMock(return_value=(
        {"id": "s1", "org_code": "S1", "name": "教务处", "broker_user": "print-site-s1", "last_seen": None,
         "printers": [], "revoked_at": None, "created_at": MagicMock(isoformat=lambda: "2026-06-01")}, "secret")))
    answer = service.register_site("S1", "教务处", ACTOR)
    sites.create.assert_called_once_with(service.db.sessions[0], "S1", "教务处", "zhang")
    add_site.assert_called_once_with("s1", "secret")
    assert answer["credentials"] == {
        "site_id": "s1", "broker_user": "print-site-s1", "broker_password": "secret",
        "amqp_uri": "amqps://print-site-s1:secret@mq.example.cn:5671/biye%2Fprod", "queue": "print-site.s1",
        "status_exchange": broker.STATUS_EXCHANGE}

    add_site.side_effect = PrinterUnavailable("无法连接消息服务器的管理接口")
    with pytest.raises(PrinterUnavailable):
        service.register_site("S1", "教务处", ACTOR)
    assert service.db.sessions[1] not in service.db.committed  # the site is not kept without its broker user


def test_the_broker_admin_is_of_the_services_virtual_host(service):
    admin = broker.BrokerAdmin.of_config(service.config)
    assert (admin.api, admin.auth, admin.vhost) == ("http://127.0.0.1:15672/api", ("guest", "guest"), "biye%2Fprod")
