"""Event names, their payloads and who listens to them.

An event is published to the nameko exchange `<source>.events` with the event name as routing key.
CONTRACTS declares each event's payload (services/common/contracts.py says how payloads are declared,
versioned and evolved); Messaging.add_event checks a payload against it and stamps its version, and
handle_once refuses a version its handler does not read. SUBSCRIPTIONS lists every handler in the
system so that a publisher can declare the durable queue of each listener before its first message:
an event is then kept even when its listener has never run yet.
"""
from collections.abc import Mapping
from dataclasses import dataclass

from services.common import contracts as c
from services.common import queues
from services.common.contracts import Contract

# review → grading: a review's graduate list was stored (created or rebuilt) and must be verified.
GRADUATE_LIST_IMPORTED = "graduate_list_imported"
# grading → grading: one slice of a list, taken by any grading worker.
CHUNK_READY = "chunk_ready"
# grading → review: one chunk's verdicts.
CHUNK_VERIFIED = "chunk_verified"
# review → (listeners): every chunk of a review is verified.
VERIFICATION_COMPLETED = "verification_completed"
# review → numbering: the province approved; the qualified students in list order.
REVIEW_APPROVED = "review_approved"
# numbering → review: numbers and dates were issued; those who already held a valid number were refused one.
CERTIFICATES_NUMBERED = "certificates_numbered"
# review → roster: the school marked the cohort graduated.
COHORT_GRADUATED = "cohort_graduated"
# printing → printing: a print job was stored; render it and send it to CUPS.
PRINT_JOB_SUBMITTED = "print_job_submitted"

# Each event's payload and its version. (A print site's job messages, printing/broker.py, go to print
# agents outside these services.)
CONTRACTS: dict[str, Contract] = {
    GRADUATE_LIST_IMPORTED: Contract(c.GraduateListImported),
    CHUNK_READY: Contract(c.ChunkReady),
    CHUNK_VERIFIED: Contract(c.ChunkVerified),
    VERIFICATION_COMPLETED: Contract(c.VerificationCompleted),
    REVIEW_APPROVED: Contract(c.ReviewApproved),
    CERTIFICATES_NUMBERED: Contract(c.CertificatesNumbered),
    COHORT_GRADUATED: Contract(c.CohortGraduated),
    PRINT_JOB_SUBMITTED: Contract(c.PrintJobSubmitted),
}


@dataclass(frozen=True)
class Subscription:
    source: str
    event_type: str
    service: str
    method: str

    @property
    def queue_name(self) -> str:
        # nameko's own naming for a SERVICE_POOL event handler's queue
        return queues.event_queue_name(self.source, self.event_type, self.service, self.method)


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


def listener_queues(source: str) -> list[queues.QuorumQueue]:
    """The quorum queues of every handler of `source`'s events, as entrypoints.event_handler declares
    them (with the dead-letter exchange and queue: services.common.queues)."""
    return [queues.event_queue(s.source, s.event_type, s.service, s.method)
            for s in SUBSCRIPTIONS if s.source == source]


def stamped(event_type: str, payload: Mapping) -> dict:
    """The payload as it is sent: a declared event's checked against its contract and given its version
    (ContractError if it does not match); any other event's as it is."""
    contract = CONTRACTS.get(event_type)
    return contract.stamped(payload, event_type) if contract else dict(payload)


def accept(handler: str, payload: Mapping) -> None:
    """Raise UnknownVersion (a domain error) if `handler` ("service.method") does not read this version
    of its event."""
    event_type = _HANDLED.get(handler)
    if event_type in CONTRACTS:
        CONTRACTS[event_type].check_version(payload, event_type)


_HANDLED = {f"{s.service}.{s.method}": s.event_type for s in SUBSCRIPTIONS}


def handled_event(handler: str) -> str | None:
    """The event type `handler` ("service.method") takes, as SUBSCRIPTIONS lists it (None if it does not)."""
    return next((s.event_type for s in SUBSCRIPTIONS if f"{s.service}.{s.method}" == handler), None)
