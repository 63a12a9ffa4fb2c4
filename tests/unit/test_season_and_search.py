"""The season's dashboard states, whose move it is, and what a graduate search means by its query."""
import pytest

from services.common.errors import BadInput
from services.review.search import parse
from services.review.season import DASHBOARD_STATES, acting, dashboard_state

CHAIN = [{"code": "C", "name": "县教育局", "kind": "county"}, {"code": "B", "name": "市教育局", "kind": "city"},
         {"code": "P", "name": "省教育厅", "kind": "province"}]


@pytest.mark.parametrize("status, round_, state", [
    ("draft", 1, "school_editing"),
    ("draft", 2, "returned"),
    ("submitted", 1, "waiting"),
    ("pending_county", 1, "waiting"),
    ("pending_province", 3, "waiting"),
    ("approved", 1, "approved"),
    ("numbered", 1, "numbered"),
    ("printed", 1, "printed"),
    ("stamped", 1, "stamped"),
    ("issued", 2, "graduated"),
])
def test_dashboard_state(status, round_, state):
    assert dashboard_state(status, round_) == state
    assert state in dict(DASHBOARD_STATES)


@pytest.mark.parametrize("status, chain_pos, who", [
    ("draft", None, "S"), ("pending_city", 1, "B"), ("approved", None, None), ("numbered", None, "S"),
    ("printed", None, "U"), ("stamped", None, "S"), ("issued", None, None),
])
def test_whose_move(status, chain_pos, who):
    review = {"status": status, "chain": CHAIN, "chain_pos": chain_pos, "school_code": "S", "stamping_org_code": "U"}
    assert acting(review) == who


@pytest.mark.parametrize("q, meant", [
    ("610502200701010011", ("id_number", "610502200701010011")),
    (" 61050220070101001x ", ("id_number", "61050220070101001X")),
    ("６１０５０２２００７０１０１００１Ｘ", ("id_number", "61050220070101001X")),
    ("张三", ("name", "张三")),
    ("欧阳明远", ("name", "欧阳明远")),
    ("50%_", ("name", "50%_")),
])
def test_what_a_query_means(q, meant):
    assert parse(q) == meant


@pytest.mark.parametrize("q, words", [
    ("", "请输入"), (None, "请输入"), ("张", "至少输入2个字"), ("6105022007", "完整的18位"),
    ("6105022007010100111", "完整的18位"), ("张" * 51, "不能超过"),
])
def test_queries_refused(q, words):
    with pytest.raises(BadInput) as refused:
        parse(q)
    assert words in refused.value.message
