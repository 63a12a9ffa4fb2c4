"""What services send each other: every event payload and the registry snapshot, declared once.

A payload is declared as a TypedDict: its keys are its fields, `NotRequired[...]` marks an optional
one, and `list[<TypedDict>]` a list of nested items. events.CONTRACTS names each event's declaration
beside the event's name and gives the contract's version; SNAPSHOT is the registry entry roster
attaches to a listed graduate (review.graduates.student), read by review in SQL and Python and by
printing through review's major tables. declarations.py lists and checks them (`fields`, `problems`).

Versions, so that old and new processes can run side by side during a rolling deploy:
- A contract's version is a major version, and every payload carries it in `v`: Messaging.add_event
  checks a declared event's payload against its declaration and stamps `v`; roster's snapshot stamps
  its own. A payload without `v` was written before versions were stamped, and is version 1.
- A consumer reads only declared fields, and a NotRequired one only with `.get` and a default; it
  ignores fields it does not know. handle_once refuses a version the contract does not accept as
  a domain error: logged, recorded as handled, never half-understood.
- Evolving a contract (tests/unit/test_contracts.py checks producers and every read against it):
  1. A new field is added NotRequired and read with a default while an older producer may still run;
     it may become required once every producer sends it. No new version.
  2. A rename is a new field added beside the old one: producers send both until every consumer reads
     the new one; the old one is dropped in a later release. No new version.
  3. A field is dropped only when no consumer reads it any more (the test finds the reads).
  4. A change of a field's meaning or type is a new version: first every consumer accepts both
     (`accepts={1, 2}`) and reads both, then producers stamp the new one, and once no old payload can
     be waiting (the outboxes and queues drained) the old version is dropped from `accepts`.
  The snapshot is stored as long as its review: beyond an added field, its change needs the stored
  rows rewritten (a migration of review.graduates) before consumers stop reading the old form.
"""
from typing import TypedDict

from services.common.declarations import (  # noqa: F401  (what users of the contracts need, from one place)
    ENVELOPE,
    VERSION,
    Contract,
    ContractError,
    Field,
    UnknownVersion,
    fields,
    nested,
    problems,
)


# --- review → grading: GRADUATE_LIST_IMPORTED -------------------------------------------------
class ListedRow(TypedDict):
    """A row of the list found in the registry, as grading verifies it (stored in grading.chunks)."""
    row: int
    id_number: str
    name: str
    mode: str | None  # 毕业方式; None when the list's cell was wrong (the row has its reason already)
    major_code: str
    cohort: int


class GraduateListImported(TypedDict):
    review_id: str
    generation: int
    school_code: str
    rows: list[ListedRow]


# --- grading → grading: CHUNK_READY ----------------------------------------------------------
class ChunkReady(TypedDict):
    review_id: str
    generation: int
    chunk_no: int


# --- grading → review: CHUNK_VERIFIED ---------------------------------------------------------
class Scores(TypedDict):
    """A qualified student's composites (stored in review.graduates.scores, shown in major tables)."""
    categories: dict[str, float | None]
    overall: float | None
    overall_grade: str
    conduct_grade: str
    internship_grade: str


class Verdict(TypedDict):
    row: int
    qualified: bool
    reasons: list[str]
    scores: Scores | None


class ChunkVerified(TypedDict):
    review_id: str
    generation: int
    chunk_no: int
    results: list[Verdict]


# --- review → (listeners): VERIFICATION_COMPLETED ----------------------------------------------
class VerificationCompleted(TypedDict):
    review_id: str
    generation: int


# --- review → numbering: REVIEW_APPROVED ------------------------------------------------------
class ApprovedStudent(TypedDict):
    seq: int  # the place among the qualified, in list order: numbers follow it
    row: int
    id_number: str
    name: str
    major_name: str


class ReviewApproved(TypedDict):
    review_id: str
    generation: int
    school_code: str
    school_name: str
    year: int
    stamping_unit_code: str
    students: list[ApprovedStudent]


# --- numbering → review: CERTIFICATES_NUMBERED -------------------------------------------------
class Refusal(TypedDict):
    """A student refused a number: they already hold a valid certificate."""
    row: int | None  # None for an approval that named no rows
    seq: int
    name: str
    reason: str


class CertificatesNumbered(TypedDict):
    review_id: str
    count: int
    refused: list[Refusal]


# --- review → roster: COHORT_GRADUATED --------------------------------------------------------
class CohortGraduated(TypedDict):
    review_id: str
    school_code: str
    id_numbers: list[str]


# --- printing → printing: PRINT_JOB_SUBMITTED -------------------------------------------------
class PrintJobSubmitted(TypedDict):
    job_id: str


# --- roster → review (stored in review.graduates.student): the registry snapshot ---------------
class RegistrySnapshot(TypedDict):
    student_no: str
    gender: str
    birth_date: str  # YYYY-MM-DD
    political_status: str  # "" when the registry has none
    major_code: str
    major_name: str
    schooling_years: int
    education_level: str
    enrolled_month: str  # YYYY-MM
    cohort: int  # the year of enrolled_month: course plans are per major and cohort
    class_name: str
    enrollment_seq: int
    has_photo: bool


SNAPSHOT = Contract(RegistrySnapshot)
