"""`only_seq`, checked one way for the printing service's RPCs, its stored jobs and the gateway's query strings."""
import pytest

from services.common.errors import BadInput
from services.printing.seqs import LIST_HINT, QUERY_HINT, checked_only_seq, only_seq_of_query


def test_seqs_come_out_once_each_in_order_and_nothing_means_all():
    assert checked_only_seq([3, 1, 3]) == [1, 3]
    for nothing in (None, [], ""):
        assert checked_only_seq(nothing) is None


@pytest.mark.parametrize("value", [[0], [-1], [True], ["1"], [1.0], "1,2", {"seq": 1}, 7])
def test_anything_but_a_list_of_positive_seqs_is_refused(value):
    with pytest.raises(BadInput) as err:
        checked_only_seq(value)
    assert err.value.message == LIST_HINT


def test_a_query_string_is_read_as_the_same_list():
    assert only_seq_of_query("3, 1,3") == [1, 3]
    assert only_seq_of_query("１２") == [12]  # full-width digits, as a Chinese input method types them
    assert only_seq_of_query(None) is None and only_seq_of_query("") is None


@pytest.mark.parametrize("raw", ["abc", ",", "1,x", "0", "1,0", "-1", "1.5", "²"])
def test_a_query_string_that_is_not_seqs_is_refused_in_its_own_words(raw):
    with pytest.raises(BadInput) as err:
        only_seq_of_query(raw)
    assert err.value.message == QUERY_HINT
