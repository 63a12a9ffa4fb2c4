"""Event names, their payloads and who listens to them.

An event is published to the nameko exchange `<source>.events` with the event name as routing key.
SUBSCRIPTIONS lists every handler in the system so that a publisher can declare the durable queue
of each listener before its first message: an event is then kept even when its listener has never
run yet.
"""
from dataclasses import dataclass

from kombu import Queue
from nameko.events import get_event_exchange

# review → grading: a review's graduate list was stored (created or rebuilt) and must be verified.
#   {review_id, generation, school_code, rows: [{row, id_number, name, mode, major_code, cohort}]}
GRADUATE_LIST_IMPORTED = "graduate_list_imported"
# grading → grading: one slice of a list, taken by any grading worker.  {review_id, generation, chunk_no}
CHUNK_READY = "chunk_ready"
# grading → review: one chunk's verdicts.  {review_id, generation, chunk_no, results: [{row, qualified, reasons,
#   scores}]}
CHUNK_VERIFIED = "chunk_verified"
# review → (listeners): every chunk of a review is verified.  {review_id}
VERIFICATION_COMPLETED = "verification_completed"
# review → numbering: the province approved.  {review_id, generation, school_code, school_name, year,
#   stamping_unit_code, students: [{seq, row, id_number, name, major_name}]}
REVIEW_APPROVED = "review_approved"
# numbering → review: numbers and dates were issued; those who already held a valid number were refused one.
#   {review_id, count, refused: [{row, seq, name, reason}]}
CERTIFICATES_NUMBERED = "certificates_numbered"
# review → roster: the school marked the cohort graduated.  {review_id, school_code, id_numbers}
COHORT_GRADUATED = "cohort_graduated"
# printing → printing: a print job was stored; render it and send it to CUPS.  {job_id}
PRINT_JOB_SUBMITTED = "print_job_submitted"


@dataclass(frozen=True)
class Subscription:
    source: str
    event_type: str
    service: str
    method: str

    @property
    def queue_name(self) -> str:
        # nameko's own naming for a SERVICE_POOL event handler's queue
        return f"evt-{self.source}-{self.event_type}--{self.service}.{self.method}"


# Every event handler in the system; a test checks this against the services' code.
SUBSCRIPTIONS: list[Subscription] = [
    Subscription("review", GRADUATE_LIST_IMPORTED, "grading", "on_graduate_list_imported"),
    Subscription("grading", CHUNK_READY, "grading", "verify_chunk"),
    Subscription("grading", CHUNK_VERIFIED, "review", "on_chunk_verified"),
    Subscription("review", REVIEW_APPROVED, "numbering", "on_review_approved"),
    Subscription("numbering", CERTIFICATES_NUMBERED, "review", "on_certificates_numbered"),
    Subscription("review", COHORT_GRADUATED, "roster", "on_cohort_graduated"),
    Subscription("printing", PRINT_JOB_SUBMITTED, "printing", "on_print_job_submitted"),
]


def listener_queues(source: str) -> list[Queue]:
    """The durable queues of every handler of `source`'s events, as nameko declares them."""
    exchange = get_event_exchange(source, {})
    return [
        Queue(s.queue_name, exchange=exchange, routing_key=s.event_type,
              durable=True, auto_delete=False, exclusive=False)
        for s in SUBSCRIPTIONS if s.source == source
    ]
