"""JSON at C speed, on the wire and in the database, with kombu's meaning kept.

A school's graduate list crosses RabbitMQ as one message (about 450 KB for 667 students) and goes
into PostgreSQL as one JSONB document; kombu's and SQLAlchemy's pure-Python `json` spent more of the
review service's time on them than its queries did. orjson writes and reads the same documents
several times faster. What kombu's JSON does beyond plain JSON is kept exactly: dates, times,
decimals and bytes travel as its {"__type__", "__value__"} envelopes and come back as those types;
a message holding an envelope, or JSON orjson refuses (NaN from a plain-json peer), is read by
kombu's own loader. Peers that still speak kombu's `json` (the print agent) read and write the same
messages. One difference remains: orjson reads an integer past 64 bits as a float; no message or
column here holds one (numbers are counts, scores and years; ID and certificate numbers are text).
"""
import json
import sys
from typing import Any

import orjson
from kombu import serialization
from kombu.utils import json as kombu_json

_KOMBU_ENCODER = kombu_json.JSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_ENVELOPE = b'"__type__"'
_ENVELOPE_TEXT = _ENVELOPE.decode()


def dumps(value: Any) -> bytes:
    """A message body: kombu's envelopes for the types it marks, plain JSON for the rest."""
    try:
        return orjson.dumps(value, default=_KOMBU_ENCODER.default, option=_OPTIONS)
    except TypeError:  # what orjson cannot write (an integer past 64 bits): kombu's, or its error
        return kombu_json.dumps(value).encode()


def loads(body: bytes | str | memoryview | bytearray) -> Any:
    if isinstance(body, (memoryview, bytearray)):
        body = bytes(body)
    envelope = _ENVELOPE if isinstance(body, bytes) else _ENVELOPE_TEXT
    if envelope in body:
        return kombu_json.loads(body)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return kombu_json.loads(body)


def install() -> None:
    """Make kombu's `json` serializer (nameko's default) these functions, in this process; and spare
    every publish kombu's search for librabbitmq.

    nameko builds a kombu Connection for every message it publishes (an RPC call, its reply, an
    event), and each one tries `import librabbitmq`, which this system does not install: a failed
    import searches the whole path again every time (about 55 µs a message on the bench's machine).
    A None in `sys.modules` makes that import fail at once, as Python documents; kombu then takes
    the pure-Python transport, as it did."""
    serialization.register("json", dumps, loads, content_type="application/json", content_encoding="utf-8")
    sys.modules.setdefault("librabbitmq", None)


def to_column(value: Any) -> str:
    """A JSON/JSONB parameter's text (SQLAlchemy's `json_serializer`)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


from_column = orjson.loads  # a JSON/JSONB column's value (psycopg2's loader, through SQLAlchemy)
