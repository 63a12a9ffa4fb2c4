"""Resident identity numbers (居民身份证号码, GB 11643-1999)."""
import datetime as dt
import functools
import re
import unicodedata

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E\+?\d+$")  # 6.10502E+17, as Excel shows or saves a long number
DIGITS_LOST = ("身份证号被Excel存成了数字（如6.10502E+17），末几位已经丢失、无法恢复：请把该列设为“文本”格式后"
               "重新输入这些身份证号，或使用系统提供的导入模板（该列已是文本格式）")


class IdNumberError(ValueError):
    """The number is not a valid identity number; the message says why, in Chinese."""


def normalise(raw: object) -> str:
    """Tidy what a clerk typed: spaces, full-width digits, lower-case x, a number stored as float."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(text.split()).upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def birth_date(number: str) -> dt.date:
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender(number: str) -> str:
    """男 for an odd sequence digit, 女 for an even one."""
    return "男" if int(number[16]) % 2 else "女"


def validate(raw: object, today: dt.date | None = None) -> str:
    """Return the normalised number, or raise IdNumberError with the reason in Chinese."""
    if isinstance(raw, float) and raw >= 1e15:
        raise IdNumberError(DIGITS_LOST)
    if isinstance(raw, int) and raw >= 10**15 and int(float(raw)) == raw:
        raise IdNumberError(DIGITS_LOST)  # a whole number cell read as int (.xls): a double, rounded
    number = normalise(raw)
    if _SCIENTIFIC.match(number) or (number.endswith(".0") and len(number) > 17 and number[:-2].isdigit()):
        raise IdNumberError(DIGITS_LOST)
    return _validated(number, today or dt.date.today())


@functools.lru_cache(maxsize=65536)  # a grade sheet repeats each student's number ~46 times
def _validated(number: str, today: dt.date) -> str:
    if not number:
        raise IdNumberError("身份证号为空")
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为18位，实际为{len(number)}位")
    if not _SHAPE.match(number):
        raise IdNumberError("身份证号只能由数字组成，最后一位可以是数字或X")
    try:
        born = birth_date(number)
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期“{number[6:14]}”不存在") from None
    if born > today or born.year < 1900:
        raise IdNumberError(f"身份证号中的出生日期“{number[6:14]}”不合理")
    expected = check_char(number[:17])
    if number[17] != expected:
        raise IdNumberError("身份证号校验位错误，请核对每一位数字")
    return number


def mask(number: str) -> str:
    """First 6 and last 4 kept: 610502********123X."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:6] + "*" * 8 + number[-4:]
