"""Where the certificate's variable fields go on the blank form, and how a print profile moves them.

The province's blank certificate (空白毕业证书) is taken as 260 × 185 mm, printed on a page of that
size. Positions are millimetres measured with a ruler from the form's top-left corner: x to the
right, y downwards; a text field's (x, y) is the left end of its baseline.

A print profile corrects one printer's feed: the template is scaled by `scale` and turned by
`skew_deg` (positive: clockwise as you look at the sheet), both about the top-left corner, then
moved by `offset_x_mm` (positive: right) and `offset_y_mm` (positive: down):

    p' = offset + R(skew) · (scale · p)
"""
import math
from dataclasses import dataclass

from services.common.errors import BadInput

PAGE_W_MM = 260.0
PAGE_H_MM = 185.0

# field → (x_mm, y_mm, font size pt[, max width mm: a longer value is set smaller to fit])
TEMPLATE: dict[str, tuple] = {
    "name": (154, 60, 14, 34),
    "gender": (205, 60, 14),
    "birth_year": (142, 74, 14),
    "birth_month": (161.5, 74, 14),
    "birth_day": (174.5, 74, 14),
    "entry_year": (203, 74, 14),
    "entry_month": (222.5, 74, 14),
    "graduation_year": (142, 88, 14),
    "graduation_month": (161.5, 88, 14),
    "major": (193, 88, 14, 57),
    "schooling_years": (154, 102, 14),
    "school": (168, 140, 14, 82),
    "number": (48, 110, 13),
    "issue_year": (48, 122, 13),
    "issue_month": (66.5, 122, 13),
    "issue_day": (79, 122, 13),
}
PHOTO_BOX = (47.5, 30.0, 35.0, 49.0)  # x, y of the top-left corner, width, height (二寸照片)
QR_BOX = (20.0, 140.0, 18.0)  # x, y of the top-left corner, side

# The pre-printed text of the blank form, drawn in light grey only in a preview: (text, x, y, size).
BLANK_TEXT = [
    ("毕  业  证  书", 163, 36, 24),
    ("学生", 142, 60, 14), ("，性别", 189, 60, 14), ("，", 211, 60, 14),
    ("年", 155.5, 74, 14), ("月", 168.5, 74, 14), ("日生，于", 181.5, 74, 14),
    ("年", 216.5, 74, 14), ("月至", 229.5, 74, 14),
    ("年", 155.5, 88, 14), ("月在本校", 168.5, 88, 14),
    ("专业", 142, 102, 14), ("年制学习，修完教学计划规定", 161, 102, 14),
    ("的全部课程，成绩合格，准予毕业。", 142, 116, 14),
    ("学校名称：", 142, 140, 14),
    ("校长：", 142, 158, 14), ("（签章）", 190, 158, 11),
    ("贴照片处", 57, 56, 10),
    ("证书编号：", 22, 110, 13),
    ("发证日期：", 22, 122, 13), ("年", 60.5, 122, 13), ("月", 73, 122, 13), ("日", 85.5, 122, 13),
    ("学校（盖章）", 52, 160, 12),
]

# A blank form's graduation month: autumn cohorts (秋季) finish in July, spring cohorts (春季) in January.
GRADUATION_MONTH = {"秋季": 7, "春季": 1}

DEFAULT_PROFILE = {"name": "默认", "offset_x_mm": 0.0, "offset_y_mm": 0.0, "skew_deg": 0.0, "scale": 1.0,
                   "updated_by": None, "updated_at": None, "default": True}

LIMITS = {"offset_x_mm": (-50.0, 50.0), "offset_y_mm": (-50.0, 50.0), "skew_deg": (-10.0, 10.0),
          "scale": (0.8, 1.2)}
LIMIT_NAMES = {"offset_x_mm": "左右偏移（毫米）", "offset_y_mm": "上下偏移（毫米）", "skew_deg": "倾斜角度（度）",
               "scale": "缩放比例"}


@dataclass(frozen=True)
class Transform:
    """A profile as an affine map of template millimetres (y down) onto the sheet."""

    offset_x: float = 0.0
    offset_y: float = 0.0
    skew_deg: float = 0.0
    scale: float = 1.0

    @classmethod
    def of(cls, profile: dict | None) -> "Transform":
        p = profile or DEFAULT_PROFILE
        return cls(float(p["offset_x_mm"]), float(p["offset_y_mm"]), float(p["skew_deg"]), float(p["scale"]))

    def point(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Where the template point (x, y) lands on the sheet, in mm from its top-left corner (y down)."""
        theta = math.radians(self.skew_deg)
        sx, sy = self.scale * x_mm, self.scale * y_mm
        # With y pointing down, this rotation turns clockwise as seen on the sheet.
        return (self.offset_x + sx * math.cos(theta) - sy * math.sin(theta),
                self.offset_y + sx * math.sin(theta) + sy * math.cos(theta))


def check_profile(raw: dict) -> dict:
    """A profile's numbers, checked: a Chinese message for anything out of range or not a number."""
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 50:
        raise BadInput("请填写打印方案名称（一般用打印机名称，不超过50个字）")
    clean = {"name": name}
    for key, (low, high) in LIMITS.items():
        value = raw.get(key, DEFAULT_PROFILE[key])
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise BadInput(f"{LIMIT_NAMES[key]}应为数字，不能是“{value}”") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise BadInput(f"{LIMIT_NAMES[key]}应在{low:g}到{high:g}之间，不能是{number:g}")
        clean[key] = round(number, 2) if key != "scale" else round(number, 4)
    return clean
