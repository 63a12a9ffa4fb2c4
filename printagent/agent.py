"""The agent's loop: take jobs from the site's queue into the journal, print them part by part, and
report printers and progress to the province.

Jobs are acknowledged to the broker once the journal holds them, so a batch that prints for hours
keeps no message open. A part goes to CUPS once: written 'sending' before lp, 'sent' with CUPS's job
number after; at most WINDOW parts wait in CUPS at a time, the next ones fetched meanwhile. A job
that CUPS cancels or aborts fails with CUPS's word and is never sent again: reprinting is a new job
for the sheets the clerk names.
"""
import logging
import os
import time

import requests
from kombu import Connection, Consumer, Producer, Queue

from printagent import cups, journal
from printagent.config import Config

log = logging.getLogger("printagent")

WINDOW = 3  # parts waiting in CUPS at once
BUSY_POLL_SECONDS = 0.05
IDLE_POLL_SECONDS = 0.5
JOB_STATE_NAMES = {"pending": "排队等待打印", "pending-held": "被打印系统暂停", "processing": "正在打印",
                   "processing-stopped": "打印机已暂停"}


class Refused(Exception):
    """The province will not give this job's document (token expired or wrong, job ended): final."""


def fault(name: str, part: int) -> None:
    """Fault tests: AGENT_FAULTS=after_lp:2 ends the process right after part 2 reached CUPS."""
    if f"{name}:{part}" in os.environ.get("AGENT_FAULTS", "").split(","):
        os._exit(137)


class Agent:
    def __init__(self, config: Config):
        self.config = config
        os.makedirs(config.state_dir, exist_ok=True)
        self.journal = journal.Journal(os.path.join(config.state_dir, "journal.sqlite3"))
        self.http = requests.Session()
        if config.ca_file:
            self.http.verify = config.ca_file
        self.running = True
        self.last_heartbeat = 0.0
        self.producer: Producer | None = None

    # ---------------------------------------------------------------- broker

    def run(self) -> None:
        while self.running:
            try:
                self._connected()
            except (OSError, ConnectionError) as exc:  # broker away or access refused: try again
                log.warning("broker connection lost: %s; retrying in %ss", exc, self.config.retry_seconds)
                time.sleep(self.config.retry_seconds)
            except Exception as exc:  # kombu/amqp errors (ACCESS_REFUSED …) share no base with OSError
                log.error("broker refused or failed: %s; retrying in %ss", exc, self.config.retry_seconds)
                time.sleep(self.config.retry_seconds)

    def _connected(self) -> None:
        ssl = {"ca_certs": self.config.ca_file} if self.config.ca_file else self.config.amqp_uri.startswith("amqps")
        with Connection(self.config.amqp_uri, heartbeat=30, ssl=ssl,
                        transport_options={"confirm_publish": True}) as conn:
            conn.connect()
            channel = conn.channel()
            channel.basic_qos(0, 1, False)
            queue = Queue(self.config.queue, no_declare=True)
            with Consumer(channel, queues=[queue], callbacks=[self.on_job], accept=["json"], auto_declare=False):
                self.producer = Producer(conn.channel(), auto_declare=False)
                log.info("connected; taking jobs from %s", self.config.queue)
                self.last_heartbeat = 0.0
                busy = False
                while self.running:
                    try:  # with a job under way, look at CUPS again soon; idle, wait for the broker
                        conn.drain_events(timeout=BUSY_POLL_SECONDS if busy else IDLE_POLL_SECONDS)
                    except TimeoutError:
                        conn.heartbeat_check()
                    busy = self.tick()

    def on_job(self, body: dict, message) -> None:
        if isinstance(body, dict) and body.get("job_id") and isinstance(body.get("part_sheets"), list):
            if self.journal.add(body):
                log.info("job %s: %d parts for %s", body["job_id"], len(body["part_sheets"]), body.get("printer"))
            else:
                log.info("job %s delivered again: already in the journal, nothing sent", body["job_id"])
        else:
            log.error("not a print job, dropped: %r", body)
        message.ack()

    def publish(self, body: dict) -> None:
        self.producer.publish(body, exchange=self.config.status_exchange, routing_key=self.config.routing_key,
                              serializer="json", delivery_mode=2, retry=False)

    # ---------------------------------------------------------------- work

    def tick(self) -> bool:
        """Heartbeat when due, and every open job moved on; True while a job is printing (not waiting
        for a paused printer or an unreachable province, which are asked again only every half second)."""
        now = time.monotonic()
        if now - self.last_heartbeat >= self.config.heartbeat_seconds:
            self.last_heartbeat = now
            self.heartbeat()
            for job_id in self.journal.unreported():
                self.report(job_id)
        printing = False
        for job in self.journal.open_jobs():
            self.step(job)
            current = self.report(job["job_id"])
            printing = printing or (current["state"] == journal.PRINTING and not current["reason"])
        return printing

    def heartbeat(self) -> None:
        try:
            printers = cups.printers()
        except cups.CupsError as exc:
            printers = []
            log.warning("%s", exc)
        self.publish({"type": "heartbeat", "printers": printers})

    def report(self, job_id: str) -> dict:
        """Tell the province the job's state if it has not heard it yet; returns the job as journalled."""
        job = self.journal.job(job_id)
        if job["reported"] != journal.said(job["state"], job["sheets_printed"], job["reason"]):
            self.publish({"type": "job", "job_id": job_id, "state": job["state"],
                          "sheets_printed": job["sheets_printed"], "reason": job["reason"]})
            self.journal.mark_reported(job_id, job["state"], job["sheets_printed"], job["reason"])
        return job

    def step(self, job: dict) -> None:
        """Move one job on as far as it can go now without waiting."""
        message, job_id = job["message"], job["job_id"]
        printer = message["printer"]
        parts = self.journal.parts(job_id)
        try:
            in_cups = [p for p in parts if p["state"] in (journal.SENDING, journal.SENT)]
            if in_cups:
                known = cups.jobs(printer)
                for part in in_cups:
                    if self._settle(job, part, known) is False:
                        return
            parts = self.journal.parts(job_id)
            if all(p["state"] == journal.DONE for p in parts):
                self.journal.set_job(job_id, journal.FINISHED)
                self._clean(job_id)
                log.info("job %s done", job_id)
                return
            waiting = sum(1 for p in parts if p["state"] == journal.SENT)
            for part in parts:
                if part["state"] == journal.NEW:
                    self._fetch(message, part)
                    part["state"] = journal.FETCHED
                if part["state"] == journal.FETCHED:
                    if waiting >= WINDOW:
                        return
                    self._send(message, part)
                    waiting += 1
            self._why_waiting(job)
        except cups.CupsError as exc:
            self.journal.set_job(job_id, journal.PRINTING, str(exc))
        except requests.RequestException as exc:
            self.journal.set_job(job_id, journal.PRINTING, f"无法从省级平台取得打印文件，稍后重试：{exc}")
        except Refused as exc:
            self.journal.set_job(job_id, journal.FAILED, str(exc))

    def _settle(self, job: dict, part: dict, known: dict[int, dict]) -> bool | None:
        """A part CUPS has (or may have): done, still printing, or the end of the job (False)."""
        job_id, title = job["job_id"], self._title(job["message"], part["part"])
        if part["state"] == journal.SENDING:  # died between lp and the journal: does CUPS have it?
            found = [n for n, j in known.items() if j["name"] == title]
            if found:
                self.journal.set_part(job_id, part["part"], journal.SENT, max(found))
                part.update(state=journal.SENT, cups_id=max(found))
            else:
                self.journal.set_part(job_id, part["part"], journal.FETCHED)
                return None
        state = known.get(part["cups_id"], {}).get("state")
        if state == "completed":
            self.journal.set_part(job_id, part["part"], journal.DONE)
            path = self._path(job_id, part["part"])
            if os.path.exists(path):
                os.remove(path)
        elif state in ("canceled", "aborted") or state is None:
            word = {"canceled": "被取消", "aborted": "被中止"}.get(state, "在打印系统中查不到")
            self.journal.set_job(job_id, journal.FAILED,
                                 f"第{part['part']}部分（{part['sheets']}张）{word}；其余未再打印。"
                                 "请核对已打印的证书，对缺少的序号提交重新打印")
            return False
        return None

    def _why_waiting(self, job: dict) -> None:
        printer = job["message"]["printer"]
        known = {p["name"]: p for p in cups.printers()}
        state = known.get(printer)
        if state is None:
            reason = f"本打印点没有名为“{printer}”的打印机（已被删除或改名？）"
        elif state["state"] == "stopped" or not state["accepting"]:
            reason = f"打印机“{printer}”已暂停：{state['reason'] or '请检查打印机'}；恢复后自动继续"
        else:
            reason = None
        self.journal.set_job(job["job_id"], journal.PRINTING, reason)

    def _path(self, job_id: str, part: int) -> str:
        return os.path.join(self.config.state_dir, "parts", f"{job_id}-{part:04d}.pdf")

    def _title(self, message: dict, part: int) -> str:
        return f"{message['title']}-p{part:04d}"

    def _fetch(self, message: dict, part: dict) -> None:
        url = self.config.gateway_url + message["part_path"].format(part=part["part"])
        response = self.http.get(url, headers={"X-Print-Job-Token": message["token"]}, timeout=120)
        if response.status_code in (403, 404):
            raise Refused(f"省级平台拒绝提供打印文件：{response.json().get('error', {}).get('message', '')}")
        response.raise_for_status()
        path = self._path(message["job_id"], part["part"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path + ".tmp", "wb") as f:
            f.write(response.content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(path + ".tmp", path)
        self.journal.set_part(message["job_id"], part["part"], journal.FETCHED)

    def _send(self, message: dict, part: dict) -> None:
        job_id, number = message["job_id"], part["part"]
        path = self._path(job_id, number)
        if not os.path.exists(path):  # fetched before a crash that lost the file: fetch again
            self.journal.set_part(job_id, number, journal.NEW)
            self._fetch(message, part)
        self.journal.set_part(job_id, number, journal.SENDING)
        cups_id = cups.submit(message["printer"], self._title(message, number), path, int(message.get("copies", 1)))
        fault("after_lp", number)
        self.journal.set_part(job_id, number, journal.SENT, cups_id)
        part.update(state=journal.SENT, cups_id=cups_id)
        log.info("job %s part %d (%d sheets) sent to %s as %s", job_id, number, part["sheets"], message["printer"],
                 cups_id)

    def _clean(self, job_id: str) -> None:
        folder = os.path.join(self.config.state_dir, "parts")
        for name in os.listdir(folder) if os.path.isdir(folder) else []:
            if name.startswith(job_id):
                os.remove(os.path.join(folder, name))
