"""Printing at a site: the print agent as its own process, with its own RabbitMQ user, printing to a
real cups-pdf queue. Sheets are counted in the PDFs CUPS produced: every sheet exactly once, in order,
through a kill, a redelivery and a paused printer; another site's credentials are refused by the broker."""
from contextlib import contextmanager
from urllib.parse import quote

import amqp
import pytest
import requests
import sqlalchemy as sa

from tests.support.gateway import login
from tests.support.print_sites import QUEUE, AgentProcess, printed, ready_queue, register, sh
from tests.support.season import numbered_certificates, verified_review
from tests.support.wait import until


@pytest.fixture(scope="module")
def agent_queue():
    return ready_queue()


@pytest.fixture(scope="module")
def numbered(app, province, stack):
    """A school directly under the province with 23 certificates: three parts of 10, 10 and 3 sheets."""
    client = app.test_client()
    manager = login(client, "s3_manager")
    review_id, _ = verified_review(client, manager, "S3", 4000, 23, year=2080)
    certs = numbered_certificates(client, manager, review_id, [login(client, "province_reviewer")])
    return {"review_id": review_id, "numbers": [c["number"] for c in certs], "manager": manager}


@pytest.fixture
def agents(live_server, tmp_path):
    started: list[AgentProcess] = []

    def start(credentials: dict, name: str, faults: str = "", state: str = "state") -> AgentProcess:
        agent = AgentProcess(credentials, live_server, str(tmp_path / state), name)
        started.append(agent)
        return agent.start(faults)
    yield start
    for agent in started:
        agent.stop()


def site_online_with(client, headers: dict, site_id: str, printer: str) -> dict:
    def seen():
        sites = {s["site_id"]: s for s in client.get("/api/v1/print-sites", headers=headers).get_json()}
        site = sites.get(site_id)
        return site if site and site["online"] and printer in [p["name"] for p in site["printers"]] else None
    return until(seen, timeout=30, what="the site online with its printer")


def submit(client, headers: dict, review_id: str, site_id: str, **body) -> str:
    r = client.post(f"/api/v1/reviews/{review_id}/print-jobs", headers=headers,
                    json={"site": site_id, "printer": QUEUE, "what": "certificates", **body})
    assert r.status_code == 202, r.get_json()
    return r.get_json()["job_id"]


def finished(client, headers: dict, job_id: str, timeout: float = 90) -> dict:
    def done():
        job = client.get(f"/api/v1/print-jobs/{job_id}", headers=headers).get_json()
        return job if job["state"] in ("done", "failed") else None
    return until(done, timeout=timeout, what="the job finished")


def test_a_site_prints_a_batch_once_in_order(client, province, numbered, agent_queue, agents, engine):
    admin, manager = province, numbered["manager"]
    site = register(client, admin, "S3", "附属中专教务处")
    assert set(site["credentials"]) >= {"amqp_uri", "site_id", "broker_password"}
    listed = client.get("/api/v1/print-sites", headers=admin).get_json()
    assert all("credentials" not in s and "broker_password" not in str(s) for s in listed), "shown once only"
    agent = agents(site["credentials"], "batch")
    seen = site_online_with(client, manager, site["site_id"], agent_queue)
    assert seen["last_seen"] and {"name", "state", "reason"} <= set(seen["printers"][0])

    job_id = submit(client, manager, numbered["review_id"], site["site_id"])
    job = finished(client, manager, job_id)
    assert job["state"] == "done", job
    assert job["site"] == site["site_id"] and job["sheets_total"] == job["sheets_printed"] == 23
    assert printed(job_id) == numbered["numbers"]

    # the job announced again (the relay died after publishing, before marking it): nothing more printed
    with engine.begin() as conn:
        assert conn.execute(sa.text("UPDATE printing.outbox SET published_at = NULL WHERE payload->>'job_id' = :j"),
                            {"j": job_id}).rowcount == 1
    agent.wait_logged(f"job {job_id} delivered again")
    assert printed(job_id) == numbered["numbers"]


def test_an_agent_killed_after_sending_a_part_resumes_without_doubling(client, province, numbered, agent_queue,
                                                                        agents):
    manager = numbered["manager"]
    site = register(client, province, "S3", "会被中断的打印点")
    dying = agents(site["credentials"], "dies", faults="after_lp:2")
    site_online_with(client, manager, site["site_id"], agent_queue)
    job_id = submit(client, manager, numbered["review_id"], site["site_id"])
    assert dying.proc.wait(60) == 137  # part 2 reached CUPS, the journal never heard its number
    agents(site["credentials"], "restarted")
    job = finished(client, manager, job_id)
    assert job["state"] == "done" and job["sheets_printed"] == 23, job
    assert printed(job_id) == numbered["numbers"], "every sheet exactly once, in order"


def test_a_paused_printer_keeps_the_job_and_says_why(client, province, numbered, agent_queue, agents):
    manager = numbered["manager"]
    site = register(client, province, "S3", "缺纸的打印点")
    agents(site["credentials"], "paused")
    site_online_with(client, manager, site["site_id"], agent_queue)
    assert sh("cupsdisable", "-r", "缺纸，请装入空白证书", agent_queue).returncode == 0
    try:
        job_id = submit(client, manager, numbered["review_id"], site["site_id"], only_seq=[1, 2, 3])

        def waiting():
            job = client.get(f"/api/v1/print-jobs/{job_id}", headers=manager).get_json()
            return job if job["state"] == "printing" and "缺纸" in (job["reason"] or "") else None
        job = until(waiting, timeout=30, what="the job waiting with the printer's reason")
        assert job["sheets_printed"] == 0

        def reported_stopped():
            sites = {s["site_id"]: s for s in client.get("/api/v1/print-sites", headers=manager).get_json()}
            (queue_state,) = [p for p in sites[site["site_id"]]["printers"] if p["name"] == agent_queue]
            return queue_state["state"] == "stopped" and "缺纸" in queue_state["reason"]
        until(reported_stopped, timeout=15, what="the heartbeat reporting the paused printer and why")
    finally:
        sh("cupsenable", agent_queue)
    job = finished(client, manager, job_id)
    assert job["state"] == "done" and job["sheets_printed"] == 3 and job["reason"] is None, job
    assert printed(job_id) == numbered["numbers"][:3]


def test_a_reprint_names_its_sheets_and_reason_and_is_audited(client, province, numbered, agent_queue, agents,
                                                             engine):
    manager = numbered["manager"]
    site = register(client, province, "S3", "重印的打印点")
    agents(site["credentials"], "reprint")
    site_online_with(client, manager, site["site_id"], agent_queue)
    r = client.post(f"/api/v1/reviews/{numbered['review_id']}/print-jobs", headers=manager,
                    json={"site": site["site_id"], "printer": agent_queue, "what": "certificates",
                          "reprint_reason": "卡纸"})
    assert r.status_code == 400  # a reprint names the sheets
    job_id = submit(client, manager, numbered["review_id"], site["site_id"], only_seq=[7],
                    reprint_reason="第7张卡纸损坏")
    job = finished(client, manager, job_id)
    assert job["state"] == "done" and job["reprint_reason"] == "第7张卡纸损坏"
    assert printed(job_id) == [numbered["numbers"][6]]
    import sqlalchemy as sa
    with engine.connect() as conn:
        audit = conn.execute(sa.text("SELECT details FROM accounts.audit_log WHERE action = 'print_job.reprint' "
                                     "AND target = :j"), {"j": job_id}).scalar_one()
    assert audit["only_seq"] == [7] and audit["reason"] == "第7张卡纸损坏"


def test_only_the_province_registers_and_a_site_prints_only_for_its_subtree(client, province, numbered):
    manager = numbered["manager"]
    r = client.post("/api/v1/print-sites", headers=manager, json={"org_code": "S3", "name": "x"})
    assert r.status_code == 403
    elsewhere = register(client, province, "S1", "另一所学校的打印点")
    r = client.post(f"/api/v1/reviews/{numbered['review_id']}/print-jobs", headers=manager,
                    json={"site": elsewhere["site_id"], "printer": QUEUE, "what": "certificates"})
    assert r.status_code == 404
    assert elsewhere["site_id"] not in [s["site_id"] for s in
                                        client.get("/api/v1/print-sites", headers=manager).get_json()]


def broker_connection(amqp_uri: str) -> amqp.Connection:
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(amqp_uri)
    conn = amqp.Connection(host=f"{parts.hostname}:{parts.port}", userid=unquote(parts.username),
                           password=unquote(parts.password), virtual_host=unquote(parts.path[1:]) or "/")
    conn.connect()
    return conn


def refused(action) -> str:
    with pytest.raises(amqp.exceptions.AccessRefused) as err:
        action()
    return str(err.value)


def test_the_broker_itself_refuses_another_sites_jobs_and_name(client, province, stack):
    mine = register(client, province, "S3", "甲校打印点")["credentials"]
    theirs = register(client, province, "S2", "乙校打印点")["credentials"]

    conn = broker_connection(mine["amqp_uri"])
    try:
        assert "ACCESS_REFUSED" in refused(lambda: conn.channel().basic_consume(theirs["queue"], callback=print))
        assert "ACCESS_REFUSED" in refused(lambda: conn.channel().queue_declare("print-site.mine", durable=True))
        message = amqp.Message(b'{"type": "heartbeat", "printers": []}', content_type="application/json")

        def publish_as(site_id: str) -> None:  # the broker answers a refused publish by closing the channel
            conn.channel().basic_publish(message, exchange=mine["status_exchange"], routing_key=f"site.{site_id}")
            conn.drain_events(timeout=1)
        assert "ACCESS_REFUSED" in refused(lambda: publish_as(theirs["site_id"]))
        with pytest.raises(TimeoutError):  # under its own name: accepted, nothing closed
            publish_as(mine["site_id"])
        conn.channel().basic_consume(mine["queue"], callback=print)  # its own queue: allowed
    finally:
        conn.collect()

    # revoked: the broker closes the live connection and refuses the next
    live = broker_connection(mine["amqp_uri"])
    assert client.delete(f"/api/v1/print-sites/{mine['site_id']}", headers=province).status_code == 200

    def closed():
        try:
            live.drain_events(timeout=0.5)
        except TimeoutError:
            return False
        except (OSError, amqp.exceptions.AMQPError):
            return True
        return False
    until(closed, timeout=15, what="the revoked site's connection closed")
    assert "ACCESS_REFUSED" in refused(lambda: broker_connection(mine["amqp_uri"]))


def test_a_bureau_with_a_print_site_prints_for_its_schools(client, province, stack, agent_queue, agents):
    manager, city = login(client, "s2_manager"), login(client, "weinan_reviewer")  # S2 lies under 渭南市 (6105)
    review_id, _ = verified_review(client, manager, "S2", 4300, 2, year=2081)
    numbered_certificates(client, manager, review_id, [city, login(client, "province_reviewer")])
    url = f"/api/v1/reviews/{review_id}/print-jobs"
    assert client.post(url, headers=city, json={"printer": QUEUE, "what": "certificates"}).status_code == 403

    site = register(client, province, "6105", "渭南市教育局代印点")
    agents(site["credentials"], "bureau")
    site_online_with(client, manager, site["site_id"], agent_queue)  # the school sees the site that serves it
    assert client.get("/api/v1/schools/S2/print-profiles", headers=city).status_code == 200
    job_id = submit(client, city, review_id, site["site_id"])
    assert finished(client, city, job_id)["sheets_printed"] == 2
    assert client.get("/api/v1/schools/S2/print-profiles", headers=login(client, "linwei_reviewer")).status_code == 404


@contextmanager
def job_held_in_cups(client, province, numbered, queue: str, agents, label: str, why: str):
    """A site of the school with its agent, the queue paused, the batch submitted and its first part
    waiting in CUPS: yields (site, agent, job id); the queue is resumed on the way out."""
    site = register(client, province, "S3", f"{label}打印点")
    agent = agents(site["credentials"], label)
    site_online_with(client, numbered["manager"], site["site_id"], queue)
    assert sh("cupsdisable", "-r", why, queue).returncode == 0
    try:
        job_id = submit(client, numbered["manager"], numbered["review_id"], site["site_id"])
        agent.wait_logged(f"job {job_id} part 1 (10 sheets) sent")
        yield site, agent, job_id
    finally:
        sh("cupsenable", queue)


def test_a_network_cut_mid_batch_resumes_without_doubling(client, province, numbered, agent_queue, agents):
    """The broker drops the agent's connection (as a cut line would) while a batch waits in CUPS; the agent
    connects again and the batch ends with every sheet once."""
    from tests.support.infra import RABBIT_API, RABBIT_AUTH
    with job_held_in_cups(client, province, numbered, agent_queue, agents, "断网",
                          "test: held while the line is cut") as (site, agent, job_id):
        user = site["credentials"]["broker_user"]

        def agent_connections():  # the management API lists a new connection within a few seconds
            return [c["name"] for c in requests.get(f"{RABBIT_API}/connections", auth=RABBIT_AUTH,
                                                    timeout=10).json() if c.get("user") == user]
        (name,) = until(agent_connections, timeout=15, what="the agent's connection listed")
        r = requests.delete(f"{RABBIT_API}/connections/{quote(name, safe='')}", auth=RABBIT_AUTH, timeout=10,
                            headers={"X-Reason": "network cut (test)"})
        assert r.status_code == 204
        agent.wait_logged("CONNECTION_FORCED")
        until(lambda: agent.logged().count("connected; taking jobs") == 2, timeout=30,
              what="the agent connected again")
    job = finished(client, numbered["manager"], job_id)
    assert job["state"] == "done" and job["sheets_printed"] == 23, job
    assert printed(job_id) == numbered["numbers"]


def test_a_revoked_site_can_fetch_nothing_more(client, province, numbered, agent_queue, agents, engine):
    with job_held_in_cups(client, province, numbered, agent_queue, agents, "撤销",
                          "test: held while the site is revoked") as (site, agent, job_id):
        with engine.connect() as conn:
            token = conn.execute(sa.text("SELECT payload->>'token' FROM printing.outbox WHERE payload->>'job_id' = :j"),
                                 {"j": job_id}).scalar_one()
        part = f"/api/v1/print-jobs/{job_id}/parts/3.pdf"
        assert client.get(part, headers={"X-Print-Job-Token": "guessed"}).status_code == 403
        assert client.delete(f"/api/v1/print-sites/{site['site_id']}", headers=province).status_code == 200
        r = client.get(part, headers={"X-Print-Job-Token": token})
        assert r.status_code == 403 and "撤销" in r.get_json()["error"]["message"]
        agent.wait_logged("ACCESS_REFUSED")  # its broker user is gone: it cannot even connect
