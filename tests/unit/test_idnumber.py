import datetime as dt

import pytest

from services.common import idnumber

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize("raw, expected", [
    ("11010519491231002X", "11010519491231002X"),   # the standard's own example
    ("11010519491231002x", "11010519491231002X"),   # lower-case x
    (" 11010519491231002X ", "11010519491231002X"),  # spaces
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width
    (610502200501011235, "610502200501011235"),       # an integer cell
])
def test_valid_numbers_are_normalised(raw, expected):
    assert idnumber.check_char(expected[:17]) == expected[17]
    assert idnumber.validate(raw, TODAY) == expected


@pytest.mark.parametrize("raw, fragment", [
    ("", "为空"),
    ("1101051949123100", "18位"),
    ("1101051949123100201", "18位"),
    ("11010519491231A02X", "只能由数字"),
    ("X10105194912310021", "只能由数字"),
    ("110105194902300020", "不存在"),      # 30 February
    ("110105203001010020", "不合理"),      # born in the future
    ("110105194912310021", "校验位"),      # wrong check character
    (610502200501011235.0, "文本"),        # an Excel number cell has lost the last digits
])
def test_rejected_variants(raw, fragment):
    with pytest.raises(idnumber.IdNumberError) as err:
        idnumber.validate(raw, TODAY)
    assert fragment in str(err.value)


def test_birth_date_and_gender():
    assert idnumber.birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert idnumber.gender("11010519491231002X") == "女"
    assert idnumber.gender("610502200501011235") == "男"


def test_mask_keeps_first_six_and_last_four():
    assert idnumber.mask("61050220050101123X") == "610502********123X"
