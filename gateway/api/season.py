"""The province's season at a glance: every school of the caller's subtree for a year and season,
with its review's dashboard state, counts and deadline, and totals per city and county; as JSON
or as an Excel workbook. The review service answers with one row per review (one statement); the
organisation tree here adds the schools without a review, their city and county, and the names."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

from flask import Blueprint, g, jsonify, request, send_file
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from gateway import orgs as org_tree
from gateway.auth import login_required
from gateway.db import connect
from gateway.inputs import rpc
from gateway.rendered import MIMETYPES
from services.common import vocab
from services.common.errors import BadInput, Forbidden

bp = Blueprint("season", __name__, url_prefix="/api/v1")

NOT_STARTED = "not_started"
NORMAL = vocab.REVIEW_KINDS[0]  # 正常验印: the row a school shows when it has several reviews
DUE = ("near", "overdue")
BUREAU_KINDS = ("province", "city", "county")
CHINA = ZoneInfo("Asia/Shanghai")
KIND_NAMES = {"province": "省", "city": "市", "county": "县区"}


def _query() -> dict:
    """The request's year, season and filters, checked."""
    year = (request.args.get("year") or "").strip()
    if not year.isdigit() or not 2000 <= int(year) <= 2100:
        raise BadInput("year 应为四位年份，例如 year=2026")
    season = (request.args.get("season") or "").strip()
    if season not in vocab.SEASONS:
        raise BadInput(f"season 应为：{'、'.join(vocab.SEASONS)}")
    due = (request.args.get("due") or "").strip() or None
    if due is not None and due not in DUE:
        raise BadInput("due 应为 near（临近标记毕业截止日）或 overdue（已超过截止日）")
    return {"year": int(year), "season": season, "org_code": (request.args.get("org_code") or "").strip() or None,
            "state": (request.args.get("state") or "").strip() or None, "due": due}


def _scope(conn, org_code: str | None) -> dict:
    """The organisation whose schools are shown: the caller's own, or a city/county of its subtree."""
    if org_code is None:
        return g.org
    org = org_tree.require_visible(conn, org_code, g.org)
    if org["kind"] not in BUREAU_KINDS:
        raise BadInput(f"org_code 应为市或县区教育局的机构代码，“{org['name']}”不是")
    return org


def _named(org: dict | None) -> dict | None:
    return {"code": org["code"], "name": org["name"]} if org else None


def _org(code: str | None, by_code: dict[str, dict]) -> dict | None:
    """{code, name} of an organisation of the school's chain (the code alone if the tree lacks it)."""
    if code is None:
        return None
    return _named(by_code.get(code)) or {"code": code, "name": code}


def _place(school: dict, by_code: dict[str, dict]) -> tuple[dict | None, dict | None]:
    """The school's city and county (either may be None: a school directly under a city or the province)."""
    city = county = None
    for code in school["path"].strip("/").split("/")[:-1]:
        org = by_code.get(code)
        if org and org["kind"] == "city":
            city = org
        elif org and org["kind"] == "county":
            county = org
    return city, county


def _row(school: dict, reviews: list[dict], by_code: dict[str, dict], names: dict[str, str]) -> dict:
    city, county = _place(school, by_code)
    row = {"code": school["code"], "name": school["name"], "city": _named(city), "county": _named(county)}
    if not reviews:
        return {**row, "review_id": None, "kind": None, "state": NOT_STARTED, "state_name": names[NOT_STARTED],
                "status": None, "status_name": None, "waiting_for": None, "acting": None, "since": None, "listed": 0,
                "qualified": 0, "unqualified": 0, "verification": None, "deadline": None, "returned": None,
                "other_reviews": 0}
    shown = next((r for r in reviews if r["kind"] == NORMAL), reviews[0])
    return {**row, "review_id": shown["review_id"], "kind": shown["kind"], "state": shown["state"],
            "state_name": names[shown["state"]], "status": shown["status"], "status_name": shown["status_name"],
            "waiting_for": _org(shown["waiting_for"], by_code), "acting": _org(shown["acting"], by_code),
            "since": shown["since"], "listed": shown["listed"],
            "qualified": shown["qualified"], "unqualified": shown["unqualified"],
            "verification": shown["verification"], "deadline": shown["deadline"], "returned": shown["returned"],
            "other_reviews": len(reviews) - 1}


def _totals(root: dict, orgs: list[dict], rows: list[dict], states: list[str]) -> list[dict]:
    """The root's line, then one per city and county below it (in tree order). A school counts in its
    county's line and its city's line; one directly under a city only in the city's, one directly
    under the province only in the province's."""
    lines = {o["code"]: {"code": o["code"], "name": o["name"], "kind": o["kind"], "schools": 0,
                         "by_state": dict.fromkeys(states, 0), "listed": 0, "qualified": 0}
             for o in [root] + [o for o in orgs if o["kind"] in ("city", "county") and o["code"] != root["code"]]}
    for row in rows:
        codes = {root["code"]} | {row[k]["code"] for k in ("city", "county") if row[k]}
        for code in codes & lines.keys():
            line = lines[code]
            line["schools"] += 1
            line["by_state"][row["state"]] += 1
            line["listed"] += row["listed"]
            line["qualified"] += row["qualified"]
    return list(lines.values())


def season_view() -> dict:
    """The season as the API answers it (GET /season); the workbook is drawn from the same."""
    if g.org["kind"] not in BUREAU_KINDS:
        raise Forbidden("学校账号不能查看全省毕业审核进度，请在本校的毕业审核页面查看")
    query = _query()
    with connect() as conn:
        root = _scope(conn, query["org_code"])
        orgs = org_tree.subtree(conn, root)
        above = org_tree.ancestors(conn, root)
    by_code = {o["code"]: o for o in above + orgs}
    schools = [o for o in orgs if o["kind"] == "school"]
    found = rpc().review.season([s["code"] for s in schools], query["year"], query["season"])
    states = [s["state"] for s in found["states"]]
    names = {s["state"]: s["name"] for s in found["states"]}
    if query["state"] is not None and query["state"] not in names:
        raise BadInput(f"state 应为：{'、'.join(states)}")
    by_school: dict[str, list[dict]] = {}
    for review in found["reviews"]:
        by_school.setdefault(review["school_code"], []).append(review)
    rows = [_row(s, by_school.get(s["code"], []), by_code, names) for s in schools]
    totals = _totals(root, orgs, rows, states)
    if query["state"]:
        rows = [r for r in rows if r["state"] == query["state"]]
    if query["due"]:
        rows = [r for r in rows if r["deadline"] and r["deadline"]["state"] == query["due"]]
    return {"year": query["year"], "season": query["season"], "org": _named(root) | {"kind": root["kind"]},
            "schools": rows, "totals": totals, "states": found["states"]}


@bp.get("/season")
@login_required()
def season():
    """A season at a glance (?year=&season=&org_code=&state=&due=): every school's review state and totals."""
    return jsonify(season_view())


@bp.get("/season.xlsx")
@login_required()
def season_xlsx():
    """The season at a glance as an Excel workbook: the schools, and the totals per city and county."""
    view = season_view()
    data = workbook(view)
    return send_file(io.BytesIO(data), mimetype=MIMETYPES["xlsx"], as_attachment=True, max_age=0,
                     download_name=f"{view['year']}年{view['season']}毕业审核进度（{view['org']['name']}）.xlsx")


SCHOOL_HEADERS = [("学校代码", 14), ("学校", 30), ("市", 16), ("县区", 16), ("审核状态", 22), ("当前办理单位", 24),
                  ("进入该状态时间", 18), ("名单人数", 10), ("合格", 8), ("不合格", 8), ("标记毕业截止日", 16),
                  ("备注", 50)]
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
WRAP = Alignment(vertical="top", wrap_text=True)


def _local_time(iso: str | None) -> str:
    if not iso:
        return ""
    return dt.datetime.fromisoformat(iso).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _remark(row: dict) -> str:
    notes = []
    if row["returned"]:
        r = row["returned"]
        notes.append(f"{r['org']}（{r['by']}）{_local_time(r['at'])}退回：{r['reason']}")
    if row["kind"] and row["kind"] != NORMAL:
        notes.append(row["kind"])
    if row["other_reviews"]:
        notes.append(f"另有{row['other_reviews']}份其他类别的毕业审核")
    if row["verification"] == "running":
        notes.append("成绩核验中")
    if row["deadline"] and row["deadline"]["state"] != "ok":
        left = row["deadline"]["working_days_left"]
        notes.append(f"已超过截止日{-left}个工作日" if left < 0 else f"距截止日还有{left}个工作日")
    return "；".join(notes)


def _sheet(ws, title: str, headers: list[tuple[str, int]], rows: list[list]) -> None:
    ws.cell(row=1, column=1, value=title).font = TITLE
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    for col, (header, width) in enumerate(headers, start=1):
        ws.cell(row=2, column=col, value=header).font = BOLD
        ws.column_dimensions[get_column_letter(col)].width = width
    for values in rows:
        ws.append(values)
    for line in ws.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = WRAP
            if isinstance(cell.value, str):
                cell.number_format = "@"  # codes stay text
    ws.freeze_panes = "A3"


def workbook(view: dict) -> bytes:
    """The season's workbook: 审核进度 (a row per school) and 汇总 (totals per city and county)."""
    book = Workbook()
    title = f"{view['year']}年{view['season']}中职毕业审核进度（{view['org']['name']}）"
    made = dt.datetime.now(CHINA).strftime("%Y-%m-%d %H:%M")
    schools = book.active
    schools.title = "审核进度"
    _sheet(schools, f"{title}　导出时间：{made}", SCHOOL_HEADERS, [[
        r["code"], r["name"], (r["city"] or {}).get("name"), (r["county"] or {}).get("name"),
        r["state_name"] if r["state"] != "waiting" else r["status_name"],
        (r["acting"] or {}).get("name"), _local_time(r["since"]) or None, r["listed"], r["qualified"],
        r["unqualified"], r["deadline"]["due"] if r["deadline"] else None, _remark(r) or None,
    ] for r in view["schools"]])
    states = view["states"]
    totals = book.create_sheet("汇总")
    headers = ([("单位代码", 14), ("单位", 26), ("层级", 8), ("学校数", 8)] + [(s["name"], 12) for s in states]
               + [("名单人数", 10), ("合格", 10)])
    _sheet(totals, f"{title}　汇总", headers, [
        [t["code"], t["name"], KIND_NAMES.get(t["kind"], t["kind"]), t["schools"]]
        + [t["by_state"][s["state"]] for s in states] + [t["listed"], t["qualified"]]
        for t in view["totals"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
