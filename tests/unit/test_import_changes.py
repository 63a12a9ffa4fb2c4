"""The shape of an import's `changes` (services/common/changes.py): values, fields, caps, masking."""
import datetime as dt
from decimal import Decimal

from services.common import changes


def test_values_are_json_text_and_numbers():
    assert changes.json_value(Decimal("85.0")) == 85 and isinstance(changes.json_value(Decimal("85.0")), int)
    assert changes.json_value(Decimal("78.5")) == 78.5
    assert changes.json_value(36.0) == 36
    assert changes.json_value(dt.date(2007, 1, 2)) == "2007-01-02"
    assert changes.json_value(None) is None and changes.json_value("良好") == "良好"


def test_only_differing_fields_are_listed_by_template_header():
    old = {"hours": Decimal("36.00"), "category": "公共基础课", "born": dt.date(2007, 1, 2)}
    new = {"hours": 36.0, "category": "专业核心课", "born": dt.date(2007, 1, 2)}
    columns = {"category": "课程类别", "hours": "学时", "born": "出生日期"}
    assert changes.differing(columns, old, new) == [{"column": "课程类别", "old": "公共基础课", "new": "专业核心课"}]


def test_lists_are_capped_and_counts_say_the_whole():
    found = changes.Changes(changes.KEPT)
    for n in range(changes.CAP + 5):
        found.new({"n": n}, f"第{n}条", n + 2)
    found.unchanged(3)
    shown = found.as_dict()
    assert (shown["new"], shown["unchanged"], shown["missing_action"]) == (changes.CAP + 5, 3, "kept")
    assert len(shown["items"]["new"]) == changes.CAP and shown["items"]["new"][0] == {"key": {"n": 0},
                                                                                      "label": "第0条", "row": 2}


def test_labels_mask_the_id_number():
    assert changes.student_label("张三", "61050220070101123X") == "张三（610502********123X）"
