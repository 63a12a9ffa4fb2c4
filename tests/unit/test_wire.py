"""Messages and JSON columns go through orjson, and mean what kombu's JSON meant."""
import datetime as dt
import decimal
import os
import subprocess
import sys

import pytest
from kombu.utils import json as kombu_json

from services.common import wire

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TYPED = {"day": dt.date(2026, 7, 1), "at": dt.datetime(2026, 7, 1, 8, 30), "hours": decimal.Decimal("72.5"),
         "photo": b"\xff\xd8jpeg", "text": "b", 3: "a key that is a number"}


def test_kombu_types_cross_the_wire_as_they_did():
    assert wire.loads(wire.dumps(TYPED)) == kombu_json.loads(kombu_json.dumps(TYPED))
    assert wire.loads(wire.dumps(TYPED))["day"] == dt.date(2026, 7, 1)


@pytest.mark.parametrize("body", [{"rows": [{"name": "张三", "score": 88.5, "reasons": []}]}, TYPED])
def test_a_peer_on_kombus_own_json_reads_and_writes_the_same_messages(body):
    assert kombu_json.loads(wire.dumps(body)) == kombu_json.loads(kombu_json.dumps(body))
    assert wire.loads(kombu_json.dumps(body)) == kombu_json.loads(kombu_json.dumps(body))
    assert wire.loads(kombu_json.dumps(body).encode()) == kombu_json.loads(kombu_json.dumps(body))


def test_json_orjson_refuses_is_read_by_kombus_loader():
    assert str(wire.loads(b'{"score": NaN}')["score"]) == "nan"
    assert wire.dumps({"big": 2**70}) == b'{"big": 1180591620717411303424}'


# nameko makes a kombu Connection for every message it publishes: that must not search the path for librabbitmq
SEARCHES_FOR_LIBRABBITMQ = """
import sys
searched = []
class Spy:
    def find_spec(self, name, path=None, target=None):
        searched.append(name)
sys.meta_path.insert(0, Spy())
from kombu import Connection
assert Connection('amqp://guest:guest@127.0.0.1:5672/x').transport_cls == 'amqp'
assert 'librabbitmq' not in searched, searched
"""


@pytest.mark.parametrize("module", ["services.common.entrypoints", "gateway.rpc"])
def test_a_service_and_the_gateway_publish_with_it(module):
    """In a fresh process (this one may have installed it through another import): importing what
    every service, or the gateway, imports is enough."""
    check = (f"import {module}; from kombu import serialization; from services.common import wire; "
             "assert serialization.registry._encoders['json'][2] is wire.dumps; "
             "assert serialization.registry._decoders['application/json'] is wire.loads; "
             + SEARCHES_FOR_LIBRABBITMQ)
    subprocess.run([sys.executable, "-c", check], check=True, cwd=ROOT, capture_output=True)


def test_columns_are_written_as_json_text():
    assert wire.from_column(wire.to_column({1: ["中", 2.5, None]})) == {"1": ["中", 2.5, None]}
