"""Turning what clerks type into clean values, or a Chinese message saying what is wrong.

Each parser takes a raw cell (str, int, float, date, datetime from calamine or csv) and returns
the clean value or raises CellError. Full-width characters and stray spaces are tolerated.
"""
import datetime as dt
import re
import unicodedata

from services.common import idnumber


class CellError(ValueError):
    pass


def text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return unicodedata.normalize("NFKC", str(raw)).strip()


def code(raw: object) -> str:
    """A code or number typed as text (学号, 专业代码, a score): NFKC, every space removed."""
    return "".join(text(raw).split())


def name(raw: object) -> str:
    value = "".join(text(raw).split())
    if not value:
        raise CellError("姓名不能为空")
    if len(value) > 50:
        raise CellError("姓名过长")
    return value.replace(".", "·")


def required(raw: object) -> str:
    value = text(raw)
    if not value:
        raise CellError("不能为空")
    return value


def required_code(raw: object) -> str:
    value = code(raw)
    if not value:
        raise CellError("不能为空")
    return value


def id_number(raw: object) -> str:
    try:
        return idnumber.validate(raw)
    except idnumber.IdNumberError as err:
        raise CellError(str(err)) from None


def choice(raw: object, choices: tuple[str, ...], synonyms: dict[str, str] | None = None) -> str:
    value = "".join(text(raw).split())
    value = (synonyms or {}).get(value, value)
    if value not in choices:
        shown = f"“{value}”" if value else "空值"
        raise CellError(f"{shown}不是可选值，应为：{'、'.join(choices)}")
    return value


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?$")
_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def date(raw: object) -> dt.date:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, (int, float)) and 1 < raw < 80000:  # an Excel serial date stored as a number
        return EXCEL_EPOCH + dt.timedelta(days=int(raw))
    value = text(raw)
    if re.fullmatch(r"\d{5}(\.0+)?", value):  # an Excel serial saved as text (a CSV of a date cell)
        return date(float(value))
    if re.fullmatch(r"\d{8}", value):
        value = f"{value[:4]}-{value[4:6]}-{value[6:]}"
    match = _DATE_RE.match(value)
    if not match:
        raise CellError(f"日期“{value}”无法识别，请写成 2005-09-01 的形式")
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        raise CellError(f"日期“{value}”不存在") from None


def year_month(raw: object) -> str:
    """A month such as 入学年月, as 'YYYY-MM'."""
    if isinstance(raw, (dt.date, dt.datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    value = text(raw)
    if re.fullmatch(r"\d{6}", value):
        value = f"{value[:4]}-{value[4:]}"
    match = _MONTH_RE.match(value) or _DATE_RE.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise CellError(f"年月“{value}”无法识别，请写成 2022-09 的形式")
    return f"{int(match.group(1)):04d}-{int(match.group(2)):02d}"


def integer(raw: object, low: int, high: int, what: str) -> int:
    value = code(raw)
    try:
        number = float(value)
    except ValueError:
        raise CellError(f"{what}应为{low}到{high}之间的整数，不能是“{value}”") from None
    if not number.is_integer() or not low <= number <= high:
        raise CellError(f"{what}应为{low}到{high}之间的整数，不能是“{value}”")
    return int(number)


def optional(raw: object, parser, *args):
    """`parser` for a filled cell; None for an empty one."""
    return parser(raw, *args) if text(raw) else None
