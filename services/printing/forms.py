"""The stamping office's forms as data, one model that both the PDF and the XLSX writers draw.

- `register`: 毕业证书验印登记册 (annex 1; annex 3 补验印登记册 for a 补验印 review)
- `namelist`: 毕业证书验印名单 (annex 2; annex 4 补验印名单), whole ID numbers: exports for stamping
- `summary`: 毕业证书验印审核表, the review per major with its operator and approvals
- `qualification-<major_code>`: a major's 毕业生资格审核表

Inputs are what the review and numbering services answer: `review` (get_review), `summary`,
`tables` ({major_code: major_table}) and the review's valid certificates in list order.
"""
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from services.common.errors import NotFound
from services.common.vocab import in_category_order

FORMS = ("register", "namelist", "summary")
QUALIFICATION = "qualification-"
SUPPLEMENTARY = "补验印"
CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Column:
    header: str
    width_mm: float
    wrap: bool = False  # long text (names of majors): wrapped in its cell
    number: bool = False  # a count: right-aligned, stored as a number in XLSX


@dataclass
class Section:
    """A second table under the main one (e.g. the approvals of a review)."""

    caption: str
    columns: list[Column]
    rows: list[list]


@dataclass
class Form:
    key: str
    title: str
    filename: str  # download name without extension
    info_left: str
    info_right: str
    columns: list[Column]
    rows: list[list]
    total: list | None = None
    sign_label: str = ""
    sign_blocks: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # a line under the table, its parts spread across
    sections: list[Section] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seal_every_page: bool = False  # name lists: 学校（盖章） on every page


def is_form(name: str) -> bool:
    return name in FORMS or (name.startswith(QUALIFICATION) and len(name) > len(QUALIFICATION))


def needs_numbers(name: str) -> bool:
    """The register and the name lists carry certificate numbers: only once they are issued."""
    return name in ("register", "namelist")


def build(name: str, review: dict, summary: dict, tables: dict[str, dict], certs: list[dict]) -> Form:
    if name == "register":
        return register_form(review, summary, tables, certs)
    if name == "namelist":
        return namelist_form(review, summary, tables, certs)
    if name == "summary":
        return summary_form(review, summary, tables, certs)
    code = name[len(QUALIFICATION):]
    if code not in tables:
        raise NotFound(f"本审核中没有专业代码为{code}的合格毕业生")
    return qualification_form(review, tables[code])


def _supplementary(review: dict) -> bool:
    return review.get("kind") == SUPPLEMENTARY


def _operator(summary: dict) -> dict:
    return summary.get("operator") or {}


def _local(iso: str) -> dt.datetime:
    """A timestamp of the services (ISO, with its offset) in China's time."""
    moment = dt.datetime.fromisoformat(iso)
    return moment.astimezone(CHINA) if moment.tzinfo else moment


def _day(iso: str | None) -> str:
    if not iso:
        return "    年   月   日"
    day = _local(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def _years(value) -> str:
    return f"{value}年" if value not in (None, "") else ""


def _major_of(tables: dict[str, dict]) -> dict[str, tuple[str, dict]]:
    """{id_number: (major_code, student row of the major's table)}."""
    return {s["id_number"]: (code, s) for code, table in tables.items() for s in table["students"]}


SIGN_DATE = "（签章）        年    月    日"


def register_form(review: dict, summary: dict, tables: dict[str, dict], certs: list[dict]) -> Form:
    """Annex 1 (annex 3 for 补验印): per major, counts; totals; review opinions; signatures."""
    word = "补验印" if _supplementary(review) else "验印"
    major_of = _major_of(tables)
    stamped: dict[str, int] = {}
    for cert in certs:
        code = major_of.get(cert["id_number"], ("", None))[0]
        stamped[code] = stamped.get(code, 0) + 1
    rows = [[m["name"], "", "", _years(m["years"]), m["level"] or "", m["qualified"], stamped.get(m["code"], 0), ""]
            for m in summary["majors"] if m["qualified"]]
    numbers = sorted(c["number"] for c in certs)
    operator = _operator(summary)
    return Form(
        key="register",
        title=f"{review['school_name']}{review['year']}届{review['season']}毕业生毕业证书{word}登记册",
        filename=f"毕业证书{word}登记册",
        info_left=f"学校名称：{review['school_name']}（盖章）",
        info_right=f"毕业证书编号：{numbers[0]} 至 {numbers[-1]} 号" if numbers else "毕业证书编号：      至      号",
        columns=[Column("专业", 52, wrap=True), Column("招生计划（人）", 26, number=True),
                 Column("实际录取（人）", 26, number=True), Column("学制", 18), Column("学历层次", 22),
                 Column("实际毕业（人）", 26, number=True), Column("验印人数（人）", 26, number=True),
                 Column("备注", 50, wrap=True)],
        rows=rows,
        total=["总计", "", "", "", "", sum(r[5] for r in rows), sum(r[6] for r in rows), ""],
        sign_label="审核意见",
        sign_blocks=[f"学校负责人：\n\n{SIGN_DATE}", f"各县市区教育局：\n\n{SIGN_DATE}",
                     f"市教育局职成科：\n\n{SIGN_DATE}"],
        footer=["主管领导：", f"经办人：{operator.get('name', '')}", f"填表日期：{_day(summary.get('submitted_at'))}"],
        notes=["说明：“招生计划”“实际录取”两栏本系统没有数据，由学校手工填写。",
               f"本登记册一式三份，经校长和经办人签名后加盖学校公章；{word}完成后由市、县、校各存档一份。"],
    )


def namelist_form(review: dict, summary: dict, tables: dict[str, dict], certs: list[dict]) -> Form:
    """Annex 2 (annex 4 for 补验印): one row per certificate in list order, ID numbers whole."""
    word = "补验印" if _supplementary(review) else "验印"
    major_of = _major_of(tables)
    rows = []
    for seq, cert in enumerate(certs, start=1):
        code, student = major_of.get(cert["id_number"], ("", None))
        student = student or {}
        table = tables.get(code, {})
        rows.append([seq, cert["id_number"], cert["number"], cert["name"], student.get("gender", ""),
                     student.get("birth_date", ""), student.get("political_status", ""),
                     _years(table.get("schooling_years")), table.get("major_name", ""),
                     student.get("overall_grade") or "", student.get("conduct_grade") or "",
                     student.get("internship_grade") or ""])
    return Form(
        key="namelist",
        title=f"{review['school_name']}{review['year']}届{review['season']}毕业生毕业证书{word}名单",
        filename=f"毕业证书{word}名单",
        info_left=f"学校名称：{review['school_name']}（盖章）",
        info_right=f"学校填表人：{_operator(summary).get('name', '')}",
        columns=[Column("序号", 11, number=True), Column("身份证号", 37), Column("毕业证书编号", 27),
                 Column("姓名", 22, wrap=True), Column("性别", 10), Column("出生年月日", 22),
                 Column("政治面貌", 20), Column("学制", 11), Column("专业", 40, wrap=True),
                 Column("毕业成绩总评", 21), Column("操行总评", 16), Column("实习成绩", 16)],
        rows=rows,
        notes=[f"共{len(rows)}人。本名单一式三份，每页均须加盖学校公章。"],
        seal_every_page=True,
    )


def _approvals_section(approvals: list[dict]) -> Section:
    return Section("审核记录", [Column("审核单位", 70, wrap=True), Column("审核人", 40), Column("联系电话", 40),
                               Column("审核时间", 45)],
                   [[a["org"], a["by"], a["phone"], f"{_local(a['at']):%Y-%m-%d %H:%M}"] for a in approvals])


def summary_form(review: dict, summary: dict, tables: dict[str, dict], certs: list[dict]) -> Form:
    """毕业证书验印审核表: the review per major, its operator and every level's approval."""
    major_of = _major_of(tables)
    stamped: dict[str, int] = {}
    for cert in certs:
        code = major_of.get(cert["id_number"], ("", None))[0]
        stamped[code] = stamped.get(code, 0) + 1
    rows = [[i, m["code"], m["name"], _years(m["years"]), m["level"] or "", m["listed"], m["qualified"],
             m["listed"] - m["qualified"], stamped.get(m["code"], 0)]
            for i, m in enumerate(summary["majors"], start=1)]
    unmatched = summary["totals"]["listed"] - sum(m["listed"] for m in summary["majors"])
    operator = _operator(summary)
    notes = ["说明：“名单人数”为毕业生名单中该专业的人数，“合格人数”为成绩核验合格、列入毕业生资格审核表的人数。"]
    if unmatched:
        notes.append(f"另有{unmatched}人在本校学籍中未找到，未计入各专业。")
    levels = [level["name"] for level in review.get("chain", [])]
    return Form(
        key="summary",
        title=f"{review['school_name']}{review['year']}年{review['season']}毕业生毕业证书验印审核表",
        filename="毕业证书验印审核表",
        info_left=f"学校名称：{review['school_name']}",
        info_right=f"验印类别：{review['kind']}",
        columns=[Column("序号", 12, number=True), Column("专业代码", 22), Column("专业名称", 52, wrap=True),
                 Column("学制", 16), Column("学历层次", 22), Column("名单人数", 24, number=True),
                 Column("合格人数", 24, number=True), Column("不合格人数", 24, number=True),
                 Column("验印人数", 24, number=True)],
        rows=rows,
        total=["", "", "合计", "", "", summary["totals"]["listed"], summary["totals"]["qualified"],
               summary["totals"]["listed"] - summary["totals"]["qualified"], len(certs)],
        sign_label="审核意见",
        sign_blocks=[f"学校：\n\n{SIGN_DATE}"] + [f"{name}：\n\n{SIGN_DATE}" for name in levels],
        footer=[f"学校经办人：{operator.get('name', '')}", f"联系电话：{operator.get('phone', '')}",
                f"提交日期：{_day(summary.get('submitted_at'))}"],
        sections=[_approvals_section(summary.get("approvals") or [])],
        notes=notes,
    )


def qualification_form(review: dict, table: dict) -> Form:
    """A major's 毕业生资格审核表: qualified students in list order with composite scores and grades."""
    categories = in_category_order(table["categories"])  # stored scores come back in no particular order
    rows = []
    for s in table["students"]:
        scores = [("" if s["scores"].get(c) is None else s["scores"][c]) for c in categories]
        rows.append([s["seq"], s["name"], s["gender"], s["id_number"], *scores, s["overall_grade"] or "",
                     s["conduct_grade"] or "", s["internship_grade"] or ""])
    approvals = table.get("approvals") or []
    filler = next((a["by"] for a in approvals if a["level_code"] == review["school_code"]), "")
    reviewers = "、".join(a["by"] for a in approvals if a["level_code"] != review["school_code"])
    score_width = max(16.0, min(26.0, 120 / max(1, len(categories))))
    return Form(
        key=f"{QUALIFICATION}{table['major_code']}",
        title=f"{review['school_name']}{review['year']}年{review['season']}毕业生资格审核表",
        filename=f"毕业生资格审核表-{table['major_name']}",
        info_left=f"专业：{table['major_name']}（{table['major_code']}）　学制：{_years(table['schooling_years'])}",
        info_right=f"合格人数：{len(rows)}",
        columns=[Column("序号", 11, number=True), Column("姓名", 22, wrap=True), Column("性别", 10),
                 Column("身份证号", 37), *[Column(c, score_width, wrap=True, number=True) for c in categories],
                 Column("毕业成绩总评", 21), Column("操行总评", 16), Column("实习成绩", 16)],
        rows=rows,
        footer=[f"填表人：{filler}", f"审核人：{reviewers}"],
        sections=[_approvals_section(approvals)],
        notes=["说明：各类课程成绩为该类课程各学期成绩按学时加权的综合成绩；操行不计入课程成绩。"],
    )
