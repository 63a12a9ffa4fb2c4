"""Ten Chinese working days after stamping: holidays off, adjusted workdays on, province overrides."""
import datetime as dt

import pytest

from services.review.deadlines import add_working_days, working_days_between

D = dt.date


@pytest.mark.parametrize("stamped, overrides, due", [
    # National Day 2026: 1–7 October off, Saturday 10 October an adjusted workday
    (D(2026, 9, 30), {}, D(2026, 10, 20)),
    # the province declares Monday 12 October a local holiday
    (D(2026, 9, 30), {D(2026, 10, 12): False}, D(2026, 10, 21)),
    # an ordinary fortnight
    (D(2026, 11, 2), {}, D(2026, 11, 16)),
    # a year the calendar package does not know: weekends only, plus what the province adds
    (D(2031, 3, 3), {}, D(2031, 3, 17)),
    (D(2031, 3, 3), {D(2031, 3, 10): False}, D(2031, 3, 18)),
])
def test_deadline_counts_working_days(stamped, overrides, due):
    assert add_working_days(stamped, 10, overrides) == due
    assert working_days_between(stamped, due, overrides) == 10


def test_days_left_is_negative_when_overdue():
    assert working_days_between(D(2026, 11, 20), D(2026, 11, 16), {}) == -4
