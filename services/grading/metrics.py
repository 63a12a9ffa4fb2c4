"""The grading service's own series: verification throughput and chunk latency.

`rate(biye_students_verified_total[1m])` is the students verified per second (summed over every
grading process); `biye_verification_chunk_duration_seconds` the time one chunk of up to
verification.CHUNK_SIZE students takes to verify (its set-based query and the engine's wording).
"""
from prometheus_client import Counter, Histogram

STUDENTS_VERIFIED = Counter(
    "biye_students_verified_total",
    "Students whose verdicts a grading worker stored (counted when the chunk's transaction commits; a "
    "re-verification counts again, a redelivered chunk does not).")
CHUNK_SECONDS = Histogram(
    "biye_verification_chunk_duration_seconds",
    "Time to verify one chunk of a graduate list (loading it, the set-based query, the wording).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
