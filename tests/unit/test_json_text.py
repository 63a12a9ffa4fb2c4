"""The gateway's answers are written by orjson (gateway/json_text.py), with the text Flask's own provider wrote."""
import dataclasses
import datetime as dt
import decimal
import uuid

import orjson
import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from gateway import json_text


@dataclasses.dataclass
class Row:
    row: int
    name: str


ANSWER = {
    "school_name": "第1职业中专(G1000)", "qualified": 957, "ratio": 0.957, "big": 2 ** 62, "none": None,
    "unqualified": [{"row": 7, "id_number": "6101**********123X", "reasons": ["专业课“会计基础”第3学期不及格（45）"]}],
    "at": dt.datetime(2026, 7, 1, 8, 30, tzinfo=dt.UTC), "day": dt.date(2026, 7, 1), "hours": decimal.Decimal("72.5"),
    "id": uuid.UUID("8f618be8-9d5e-4b2c-8070-203cab878b23"), "first": Row(2, "张三"),
    "quote": 'a "quoted" \\ text\n', "zh_key_排序": True, "Z": [], "a": {},
}


def providers() -> tuple[Flask, Flask]:
    flask_own, ours = Flask("flask_own"), Flask("ours")
    ours.json = json_text.JsonText(ours)
    for app in (flask_own, ours):
        app.json.ensure_ascii = False
    assert isinstance(flask_own.json, DefaultJSONProvider) and not isinstance(flask_own.json, json_text.JsonText)
    return flask_own, ours


def answer_text(app: Flask, value) -> str:
    with app.app_context():
        return app.json.response(value).get_data(as_text=True)


def test_an_answer_is_written_by_orjson_with_the_text_flask_wrote(monkeypatch):
    flask_own, ours = providers()
    expected = answer_text(flask_own, ANSWER)
    written, dumps = [], orjson.dumps
    monkeypatch.setattr(json_text.orjson, "dumps", lambda *a, **k: written.append(1) or dumps(*a, **k))
    assert answer_text(ours, ANSWER) == expected
    assert written == [1]


@pytest.mark.parametrize("value", [{"big": 2 ** 70}, {10: "numbers sort as numbers", 9: "so 9 first"}, [1.5, "中"]])
def test_what_orjson_cannot_write_as_flask_did_is_written_by_flask(value):
    flask_own, ours = providers()
    assert answer_text(ours, value) == answer_text(flask_own, value)


def test_a_value_flask_refuses_is_refused_as_before():
    flask_own, ours = providers()
    for app in (flask_own, ours):
        with pytest.raises(TypeError, match="set is not JSON serializable"), app.app_context():
            app.json.response({"s": {1}})


def test_other_uses_keep_flasks_own_text():
    flask_own, ours = providers()
    with flask_own.app_context(), ours.app_context():
        assert ours.json.dumps(ANSWER) == flask_own.json.dumps(ANSWER)  # a template's tojson: ", " and ": "
        assert ours.json.dumps(ANSWER, indent=2) == flask_own.json.dumps(ANSWER, indent=2)
