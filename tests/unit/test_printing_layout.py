"""Layout math of certificates: a print profile's offsets, skew and scale move every field where a
ruler on the sheet says they should go; values fill the template's fields."""
import math

import pytest

from services.common.errors import BadInput
from services.printing.certificate_pdf import field_values, fitted_size, verify_url
from services.printing.layout import DEFAULT_PROFILE, PAGE_H_MM, PAGE_W_MM, TEMPLATE, Transform, check_profile


def profile(**values) -> dict:
    return {**DEFAULT_PROFILE, **values}


def close(a: tuple, b: tuple) -> bool:
    return all(math.isclose(x, y, abs_tol=1e-9) for x, y in zip(a, b, strict=True))


def test_the_default_profile_leaves_every_field_in_place():
    t = Transform.of(DEFAULT_PROFILE)
    for x, y, *_ in TEMPLATE.values():
        assert close(t.point(x, y), (x, y))


@pytest.mark.parametrize("dx, dy", [(3, 0), (-2.5, 0), (0, 4), (0, -1.5), (2, -3)])
def test_offsets_move_right_and_down(dx, dy):
    t = Transform.of(profile(offset_x_mm=dx, offset_y_mm=dy))
    for x, y, *_ in TEMPLATE.values():
        assert close(t.point(x, y), (x + dx, y + dy))


def test_scale_grows_from_the_top_left_corner():
    t = Transform.of(profile(scale=1.1))
    assert close(t.point(0, 0), (0, 0))
    assert close(t.point(100, 50), (110, 55))
    assert close(t.point(PAGE_W_MM, PAGE_H_MM), (PAGE_W_MM * 1.1, PAGE_H_MM * 1.1))


def test_skew_turns_clockwise_on_the_sheet():
    quarter = Transform.of(profile(skew_deg=90))  # far beyond the allowed range: only to see the direction
    assert close(quarter.point(10, 0), (0, 10))  # the top edge turns to point downwards
    assert close(quarter.point(0, 10), (-10, 0))
    one = Transform.of(profile(skew_deg=1))
    x, y = one.point(200, 0)
    assert math.isclose(y, 200 * math.sin(math.radians(1)))  # 3.49 mm lower at 200 mm to the right
    assert math.isclose(x, 200 * math.cos(math.radians(1)))


def test_offset_applies_after_skew_and_scale():
    t = Transform.of(profile(offset_x_mm=5, offset_y_mm=-2, skew_deg=2, scale=0.98))
    theta = math.radians(2)
    x, y = 150, 80
    expected = (5 + 0.98 * (x * math.cos(theta) - y * math.sin(theta)),
                -2 + 0.98 * (x * math.sin(theta) + y * math.cos(theta)))
    assert close(t.point(x, y), expected)
    # distances between fields scale, whatever the skew
    a, b = t.point(100, 100), t.point(130, 140)
    assert math.isclose(math.dist(a, b), 0.98 * 50)


@pytest.mark.parametrize("raw, message", [
    ({"name": ""}, "打印方案名称"),
    ({"name": "x" * 51}, "打印方案名称"),
    ({"name": "p", "offset_x_mm": "abc"}, "左右偏移（毫米）应为数字"),
    ({"name": "p", "offset_y_mm": 80}, "上下偏移（毫米）应在-50到50之间"),
    ({"name": "p", "skew_deg": -11}, "倾斜角度（度）应在-10到10之间"),
    ({"name": "p", "scale": 1.5}, "缩放比例应在0.8到1.2之间"),
    ({"name": "p", "scale": float("nan")}, "缩放比例应在"),
])
def test_profiles_out_of_range_are_refused_in_chinese(raw, message):
    with pytest.raises(BadInput) as err:
        check_profile(raw)
    assert message in err.value.message


def test_a_profile_is_checked_and_rounded():
    assert check_profile({"name": " HP-1020 ", "offset_x_mm": "1.234", "offset_y_mm": -2, "skew_deg": 0.5,
                          "scale": 1.0123456}) == {"name": "HP-1020", "offset_x_mm": 1.23, "offset_y_mm": -2.0,
                                                   "skew_deg": 0.5, "scale": 1.0123}
    assert check_profile({"name": "p"})["scale"] == 1.0


def test_field_values_split_dates_and_write_the_schooling_in_chinese():
    cert = {"number": "20709000001", "name": "张三", "issue_date": "2070-07-05"}
    student = {"gender": "男", "birth_date": "2007-01-09", "major_name": "计算机应用", "schooling_years": 3,
               "enrolled_month": "2067-09", "graduated_month": "2070-07", "school_name": "某职业中专"}
    values = field_values(cert, student)
    assert values == {
        "name": "张三", "gender": "男", "birth_year": "2007", "birth_month": "1", "birth_day": "9",
        "entry_year": "2067", "entry_month": "9", "graduation_year": "2070", "graduation_month": "7",
        "major": "计算机应用", "schooling_years": "三", "school": "某职业中专", "number": "20709000001",
        "issue_year": "2070", "issue_month": "7", "issue_day": "5"}
    assert set(values) == set(TEMPLATE)


def test_long_values_are_set_smaller_to_fit_their_field():
    assert fitted_size("计算机应用", 14, 57) == 14
    size = fitted_size("汽车运用与维修（新能源汽车方向）专门化", 14, 57)
    assert 8 <= size < 14


def test_the_qr_code_points_at_the_public_check():
    assert verify_url("https://biye.example.cn/", "20709000001") == "https://biye.example.cn/verify?number=20709000001"
