"""Values as offices type them: full-width forms, stray spaces, every date form, Excel's numbers."""
import datetime as dt

import pytest

from services.common import cells, idnumber
from services.grading import plans
from services.grading.grade_import import score

FEB_2 = dt.date(2007, 2, 2)


@pytest.mark.parametrize("raw", [
    39115, 39115.0, "39115",                                 # an Excel serial: a number cell, or saved as text
    "2007-02-02", "2007/2/2", "2007.02.02", "20070202", "2007年2月2日", "2007 年 2 月 2 日",
    "２００７－０２－０２", " 2007-2-2 ", "2007-02-02 00:00:00", dt.datetime(2007, 2, 2), FEB_2,
])
def test_every_date_form(raw):
    assert cells.date(raw) == FEB_2


@pytest.mark.parametrize("raw, fragment", [
    ("2007-02-30", "不存在"), ("去年", "无法识别"), ("2007-02-02 08:30", "无法识别"),
])
def test_dates_that_are_not(raw, fragment):
    with pytest.raises(cells.CellError, match=fragment):
        cells.date(raw)


@pytest.mark.parametrize("raw, expected", [
    ("７１０２０４", "710204"), ("7102 04", "710204"), (" 710204\u3000", "710204"), (710204.0, "710204"),
    ("ＡＢ１２", "AB12"),
])
def test_codes_lose_full_width_forms_and_spaces(raw, expected):
    assert cells.code(raw) == expected


@pytest.mark.parametrize("raw", ["８５", " 85 ", "8 5", 85, 85.0, "８５．０"])
def test_scores_lose_full_width_forms_and_spaces(raw):
    assert score(raw) == (85.0, None)


@pytest.mark.parametrize("raw", ["３", " 3 ", 3.0])
def test_integers_lose_full_width_forms_and_spaces(raw):
    assert cells.integer(raw, 1, 6, "学期") == 3


@pytest.mark.parametrize("raw", [
    "11010519491231002x", "１１０１０５１９４９１２３１００２ｘ", "110105 19491231 002X", " 11010519491231002X\t",
])
def test_id_numbers_as_typed(raw):
    assert cells.id_number(raw) == "11010519491231002X"


@pytest.mark.parametrize("raw", [6.105022007010112e+17, int(6.105022007010112e+17), "6.10502E+17", "6.10502e17",
                                 "610502200701011000.0"])
def test_an_id_number_excel_made_a_number_says_the_digits_are_lost_and_how_to_fix_it(raw):
    with pytest.raises(cells.CellError) as err:
        cells.id_number(raw)
    assert str(err.value) == idnumber.DIGITS_LOST
    assert "丢失" in str(err.value) and "文本" in str(err.value) and "模板" in str(err.value)


@pytest.mark.parametrize("raw, expected", [("36", 36.0), ("３６", 36.0), (72.0, 72.0), ("0", 0.0), ("", 0.0),
                                           (None, 0.0)])
def test_hours_may_be_zero_or_blank_for_the_row_to_judge(raw, expected):
    assert plans.hours(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "很多", "10001"])
def test_hours_that_are_not(raw):
    with pytest.raises(cells.CellError, match="学时应为正数"):
        plans.hours(raw)


def test_an_id_that_is_no_uuid_names_no_row():
    from services.common import records
    assert records.is_uuid("0f8fad5b-d9cb-469f-a165-70867728950e")
    assert not records.is_uuid("123") and not records.is_uuid(None) and not records.is_uuid("../x")
