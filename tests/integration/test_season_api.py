"""The season at a glance (GET /api/v1/season, /season.xlsx) through the real gateway and services:
each dashboard state as a season moves, totals per city and county, filters, who may look, and the
workbook. A city of its own (延安, 6106) keeps the counts exact whatever other tests add elsewhere."""
import datetime as dt
import io
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa

from services.review import deadlines
from tests.support.gateway import PASSWORD, login
from tests.support.season import approve_all_majors, submit_through_chain, verified_review
from tests.support.wait import until

SEASON = "秋季"
# code, name, kind, parent, reviews_graduation, stamping unit
TREE = [
    ("6106", "延安市教育局", "city", "61", True, "71"),
    ("610602", "宝塔区教育局", "county", "6106", True, None),
    ("610603", "安塞区教育局", "county", "6106", False, None),  # does not review: its schools go to the city
    ("Y1", "宝塔区职业中专", "school", "610602", False, None),
    ("Y2", "宝塔区第二职业中专", "school", "610602", False, None),  # never starts a review
    ("Y3", "安塞区职业中专", "school", "610603", False, None),
    ("Y4", "延安市直属职业学校", "school", "6106", False, None),
    ("Y5", "省直属艺术中专", "school", "61", False, "72"),
]
USERS = [
    ("y1_manager", "宝塔职中毕业管理员", "Y1", ["school_graduation_manager"]),
    ("y1_clerk", "宝塔职中教务员", "Y1", ["school_user"]),
    ("y3_manager", "安塞职中毕业管理员", "Y3", ["school_graduation_manager"]),
    ("y4_manager", "延安直属毕业管理员", "Y4", ["school_graduation_manager"]),
    ("y5_manager", "艺术中专毕业管理员", "Y5", ["school_graduation_manager"]),
    ("baota_reviewer", "宝塔区审核员", "610602", ["bureau_reviewer"]),
    ("yanan_reviewer", "延安市审核员", "6106", ["bureau_reviewer"]),
    ("yanan_admin", "延安市管理员", "6106", ["org_admin"]),
]
CITY = {"code": "6106", "name": "延安市教育局"}
BAOTA = {"code": "610602", "name": "宝塔区教育局"}
ANSAI = {"code": "610603", "name": "安塞区教育局"}
Y1 = {"code": "Y1", "name": "宝塔区职业中专"}
STATES = ["not_started", "school_editing", "returned", "waiting", "approved", "numbered", "printed", "stamped",
          "graduated"]


@pytest.fixture(scope="module")
def yanan(app, province, stack):
    """The city of 延安 with two counties and four schools, a school directly under the province, and
    their accounts; returns the province admin's headers."""
    client = app.test_client()
    for code, name, kind, parent, reviews, unit in TREE:
        r = client.post("/api/v1/orgs", headers=province, json={
            "code": code, "name": name, "kind": kind, "parent_code": parent, "reviews_graduation": reviews,
            "stamping_unit_code": unit})
        assert r.status_code == 201, r.get_json()
    for username, name, org, roles in USERS:
        r = client.post("/api/v1/users", headers=province, json={
            "username": username, "password": PASSWORD, "name": name, "phone": "0911-2345678", "org_code": org,
            "roles": roles})
        assert r.status_code == 201, r.get_json()
    return province


def season(client, headers: dict, year: int, **params) -> dict:
    r = client.get("/api/v1/season", headers=headers, query_string={"year": year, "season": SEASON, **params})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def row(view: dict, code: str) -> dict:
    return next(s for s in view["schools"] if s["code"] == code)


def line(view: dict, code: str) -> dict:
    return next(t for t in view["totals"] if t["code"] == code)


def history_at(client, headers: dict, review_id: str, action: str) -> str:
    review = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()
    return [h for h in review["history"] if h["action"] == action][-1]["at"]


def post(client, headers: dict, review_id: str, action: str, **body):
    r = client.post(f"/api/v1/reviews/{review_id}/{action}", headers=headers, json=body or None)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def set_stamped_at(engine, review_id: str, stamped: dt.datetime) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE review.reviews SET stamped_at = :at WHERE id = :id"),
                     {"at": stamped, "id": review_id})


def working_days_before(day: dt.date, count: int) -> dt.date:
    while count:
        day -= dt.timedelta(days=1)
        if deadlines.is_workday(day, {}):
            count -= 1
    return day


def test_each_state_appears_as_a_season_moves(client, yanan, engine):
    year = 2091
    admin, manager = yanan, login(client, "y1_manager")
    county, city, province = (login(client, n) for n in ("baota_reviewer", "yanan_reviewer", "province_reviewer"))

    view = season(client, admin, year, org_code="6106")
    assert view["states"] == [{"state": s, "name": n} for s, n in zip(STATES, [
        "未开始", "学校编辑中", "已退回修改", "待审核", "省级审核通过（待发编号）", "已发证书编号", "已打印",
        "已验印（待标记毕业）", "已标记毕业"], strict=True)]
    assert (view["year"], view["season"]) == (year, SEASON)
    assert [s["code"] for s in view["schools"]] == ["Y1", "Y2", "Y3", "Y4"]
    assert row(view, "Y1") == {
        "code": "Y1", "name": "宝塔区职业中专", "city": CITY, "county": BAOTA, "review_id": None, "kind": None,
        "state": "not_started", "state_name": "未开始", "status": None, "status_name": None, "waiting_for": None,
        "acting": None, "since": None, "listed": 0, "qualified": 0, "unqualified": 0, "verification": None,
        "deadline": None, "returned": None, "other_reviews": 0}

    # the school imports its list: editing, the school's move
    review_id, _ = verified_review(client, manager, "Y1", 5500, 4, year=year, season=SEASON)
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert {k: y1[k] for k in ("review_id", "kind", "state", "state_name", "status", "waiting_for", "acting",
                               "listed", "qualified", "unqualified", "verification", "returned", "deadline")} == {
        "review_id": review_id, "kind": "正常验印", "state": "school_editing", "state_name": "学校编辑中",
        "status": "draft", "waiting_for": None, "acting": Y1, "listed": 4, "qualified": 4,
        "unqualified": 0, "verification": "done", "returned": None, "deadline": None}
    assert y1["since"] == history_at(client, manager, review_id, "create")

    # submitted: waiting at the county
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert (y1["state"], y1["status"], y1["status_name"], y1["waiting_for"], y1["acting"]) == (
        "waiting", "pending_county", "待县区审核", BAOTA, BAOTA)
    assert y1["since"] == history_at(client, manager, review_id, "submit")

    # returned by the county with its reason; still returned while the school approves its tables again
    reason = "计算机应用专业有两名学生照片不合格，请更换后重新提交"
    post(client, county, review_id, "return", reason=reason)
    approved = approve_all_majors(client, manager, review_id)
    assert approved["history"][-1]["action"] == "confirm_major"  # the school confirms its own tables
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    returned_at = history_at(client, manager, review_id, "return")
    assert (y1["state"], y1["state_name"], y1["status"]) == ("returned", "已退回修改", "draft")
    assert y1["returned"] == {"by": "宝塔区审核员", "org": "宝塔区教育局", "at": returned_at, "reason": reason}
    assert y1["since"] == returned_at and (y1["waiting_for"], y1["acting"]) == (None, Y1)

    # resubmitted: the chain starts again, the county, then the city, then the province
    post(client, manager, review_id, "submit")
    assert row(season(client, admin, year, org_code="6106"), "Y1")["waiting_for"] == BAOTA
    approve_all_majors(client, county, review_id)
    post(client, county, review_id, "approve")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert (y1["state"], y1["status"], y1["waiting_for"], y1["returned"]) == ("waiting", "pending_city", CITY, None)
    approve_all_majors(client, city, review_id)
    post(client, city, review_id, "approve")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert (y1["status"], y1["waiting_for"]) == ("pending_province", {"code": "61", "name": "陕西省教育厅"})

    # the province approves; numbers follow
    approve_all_majors(client, province, review_id)
    post(client, province, review_id, "approve")
    y1 = until(lambda: (r := row(season(client, admin, year, org_code="6106"), "Y1"))["state"] == "numbered" and r,
               what="numbers on the dashboard")
    assert (y1["state_name"], y1["waiting_for"], y1["acting"]) == ("已发证书编号", None, Y1)

    # printed: the stamping unit's move (the city holds unit 71)
    post(client, manager, review_id, "mark-printed")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert (y1["state"], y1["waiting_for"], y1["acting"], y1["deadline"]) == ("printed", None, CITY, None)

    # stamped: the 10-working-day deadline to mark the cohort graduated, as /deadlines gives it
    post(client, city, review_id, "stamp")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    listed = next(d for d in client.get("/api/v1/deadlines", headers=city).get_json() if d["id"] == review_id)
    assert y1["state"] == "stamped" and (y1["waiting_for"], y1["acting"]) == (None, Y1)
    assert y1["deadline"] == {k: listed[k] for k in ("due", "working_days_left", "state")}
    assert y1["deadline"]["state"] == "ok" and y1["deadline"]["working_days_left"] == 10
    assert season(client, admin, year, org_code="6106", due="overdue")["schools"] == []
    assert season(client, admin, year, org_code="6106", due="near")["schools"] == []

    # past due, then near it: the due filter finds the school
    set_stamped_at(engine, review_id, dt.datetime.now(dt.UTC) - dt.timedelta(days=40))
    overdue = season(client, admin, year, org_code="6106", due="overdue")
    assert [s["code"] for s in overdue["schools"]] == ["Y1"]
    assert overdue["schools"][0]["deadline"]["state"] == "overdue"
    assert overdue["schools"][0]["deadline"]["working_days_left"] < 0
    assert season(client, admin, year, org_code="6106", due="near")["schools"] == []
    stamped = working_days_before(dt.date.today(), 8)
    set_stamped_at(engine, review_id, dt.datetime.combine(stamped, dt.time(12), dt.UTC))
    near = season(client, admin, year, org_code="6106", due="near")
    assert [s["code"] for s in near["schools"]] == ["Y1"] and near["schools"][0]["deadline"]["state"] == "near"

    # graduated
    post(client, manager, review_id, "mark-graduated")
    y1 = row(season(client, admin, year, org_code="6106"), "Y1")
    assert (y1["state"], y1["state_name"], y1["status"], y1["waiting_for"], y1["acting"], y1["deadline"]) == (
        "graduated", "已标记毕业", "issued", None, None, None)
    assert y1["since"] == history_at(client, manager, review_id, "mark_graduated")
    assert [s["code"] for s in season(client, admin, year, org_code="6106", state="graduated")["schools"]] == ["Y1"]


def test_totals_filters_other_reviews_and_subtrees(client, yanan):
    year = 2092
    admin = yanan
    # Y3 (its county does not review) waits at the city; Y4 has a 补验印 before its 正常验印; Y5 edits
    y3 = login(client, "y3_manager")
    at_y3, _ = verified_review(client, y3, "Y3", 5510, 3, year=year, season=SEASON)
    submit_through_chain(client, y3, at_y3, [login(client, "yanan_reviewer")])
    y4 = login(client, "y4_manager")
    supplementary, _ = verified_review(client, y4, "Y4", 5530, 2, year=year, season=SEASON, kind="补验印")
    normal, _ = verified_review(client, y4, "Y4", 5520, 3, year=year, season=SEASON)
    verified_review(client, login(client, "y5_manager"), "Y5", 5540, 2, year=year, season=SEASON)

    everything = season(client, admin, year)
    assert everything["org"] == {"code": "61", "name": "陕西省教育厅", "kind": "province"}
    assert row(everything, "Y3")["waiting_for"] == CITY and row(everything, "Y3")["county"] == ANSAI
    assert row(everything, "Y4")["review_id"] == normal and row(everything, "Y4")["kind"] == "正常验印"
    assert row(everything, "Y4")["other_reviews"] == 1 and row(everything, "Y4")["county"] is None
    assert row(everything, "Y4")["city"] == CITY and row(everything, "Y4")["listed"] == 3
    assert row(everything, "Y5")["city"] is None and row(everything, "Y5")["county"] is None
    assert supplementary not in [s["review_id"] for s in everything["schools"]]

    # the province's line counts every school, Y5 (directly under it) only there; a city's line its
    # counties' schools and its own; a county's line its schools
    codes = [t["code"] for t in everything["totals"]]
    assert codes[0] == "61" and codes.index("6106") < codes.index("610602") < codes.index("610603")
    province_line = everything["totals"][0]
    assert province_line["kind"] == "province" and province_line["schools"] == len(everything["schools"])
    assert sum(province_line["by_state"].values()) == province_line["schools"]
    assert province_line["listed"] == sum(s["listed"] for s in everything["schools"])
    zero = dict.fromkeys(STATES, 0)
    assert line(everything, "6106") == {
        "code": "6106", "name": "延安市教育局", "kind": "city", "schools": 4,
        "by_state": {**zero, "not_started": 2, "waiting": 1, "school_editing": 1}, "listed": 6, "qualified": 6}
    assert line(everything, "610602") == {
        "code": "610602", "name": "宝塔区教育局", "kind": "county", "schools": 2,
        "by_state": {**zero, "not_started": 2}, "listed": 0, "qualified": 0}
    assert line(everything, "610603")["by_state"] == {**zero, "waiting": 1}
    assert line(everything, "610603")["listed"] == 3

    # filters: a city or county of the caller's subtree, a state; totals stay those of the scope
    city_view = season(client, admin, year, org_code="6106")
    assert [t["code"] for t in city_view["totals"]] == ["6106", "610602", "610603"]
    assert city_view["totals"][0] == line(everything, "6106")
    waiting = season(client, admin, year, org_code="6106", state="waiting")
    assert [s["code"] for s in waiting["schools"]] == ["Y3"] and waiting["totals"] == city_view["totals"]
    assert [s["code"] for s in season(client, admin, year, org_code="6106", state="not_started")["schools"]] == [
        "Y1", "Y2"]
    ansai = season(client, admin, year, org_code="610603")
    assert [s["code"] for s in ansai["schools"]] == ["Y3"]
    assert [(t["code"], t["kind"], t["schools"]) for t in ansai["totals"]] == [("610603", "county", 1)]

    # a city's own administrator sees its city; a county's reviewer its county, nothing above or beside
    own = season(client, login(client, "yanan_admin"), year)
    assert [s["code"] for s in own["schools"]] == ["Y1", "Y2", "Y3", "Y4"]
    assert own["totals"][0]["code"] == "6106" and own["totals"][0]["kind"] == "city"
    county = login(client, "baota_reviewer")
    mine = season(client, county, year)
    assert [s["code"] for s in mine["schools"]] == ["Y1", "Y2"]
    assert [t["code"] for t in mine["totals"]] == ["610602"]
    assert row(mine, "Y1")["city"] == CITY  # the city above the county is named all the same
    for outside in ("6106", "610603", "61"):
        r = client.get("/api/v1/season", headers=county, query_string={"year": year, "season": SEASON,
                                                                        "org_code": outside})
        assert r.status_code == 404, r.get_json()


def test_school_accounts_are_refused_and_bad_requests_explained(client, yanan):
    for username in ("y1_clerk", "y1_manager"):
        headers = login(client, username)
        for path in ("/api/v1/season", "/api/v1/season.xlsx"):
            r = client.get(path, headers=headers, query_string={"year": 2091, "season": SEASON})
            assert r.status_code == 403, r.get_json()
            assert "学校账号" in r.get_json()["error"]["message"]
    assert client.get("/api/v1/season", query_string={"year": 2091, "season": SEASON}).status_code == 401
    cases = [({"season": SEASON}, "year"), ({"year": "26", "season": SEASON}, "year"),
             ({"year": 2091, "season": "夏季"}, "season"), ({"year": 2091, "season": SEASON, "state": "busy"}, "state"),
             ({"year": 2091, "season": SEASON, "due": "soon"}, "due"),
             ({"year": 2091, "season": SEASON, "org_code": "Y1"}, "org_code")]
    for params, word in cases:
        r = client.get("/api/v1/season", headers=yanan, query_string=params)
        assert r.status_code == 400, (params, r.get_json())
        assert word in r.get_json()["error"]["message"]
    r = client.get("/api/v1/season", headers=yanan, query_string={"year": 2091, "season": SEASON, "org_code": "NOPE"})
    assert r.status_code == 404


def test_the_workbook_holds_the_rows_and_the_totals(client, yanan):
    year = 2093
    manager, county = login(client, "y1_manager"), login(client, "baota_reviewer")
    review_id, _ = verified_review(client, manager, "Y1", 5550, 2, year=year, season=SEASON)
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    post(client, county, review_id, "return", reason="名单缺少两名学生的照片")
    city = login(client, "yanan_reviewer")

    r = client.get("/api/v1/season.xlsx", headers=city, query_string={"year": year, "season": SEASON})
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert quote(f"{year}年{SEASON}毕业审核进度（延安市教育局）.xlsx") in disposition
    book = openpyxl.load_workbook(io.BytesIO(r.data))
    assert book.sheetnames == ["审核进度", "汇总"]
    sheet = book["审核进度"]
    assert f"{year}年{SEASON}" in sheet["A1"].value and "延安市教育局" in sheet["A1"].value
    assert [c.value for c in sheet[2]] == ["学校代码", "学校", "市", "县区", "审核状态", "当前办理单位",
                                           "进入该状态时间", "名单人数", "合格", "不合格", "标记毕业截止日", "备注"]
    assert sheet.freeze_panes == "A3"
    rows = [[c.value for c in line] for line in sheet.iter_rows(min_row=3)]
    assert [r[0] for r in rows] == ["Y1", "Y2", "Y3", "Y4"]
    y1 = rows[0]
    assert y1[:6] == ["Y1", "宝塔区职业中专", "延安市教育局", "宝塔区教育局", "已退回修改", "宝塔区职业中专"]
    assert y1[6] and y1[7:10] == [2, 2, 0]
    assert "宝塔区教育局" in y1[11] and "名单缺少两名学生的照片" in y1[11]
    assert rows[1][4] == "未开始" and rows[1][7] == 0
    assert rows[3][2:4] == ["延安市教育局", None]

    totals = book["汇总"]
    assert totals.freeze_panes == "A3"
    header = [c.value for c in totals[2]]
    assert header[:4] == ["单位代码", "单位", "层级", "学校数"] and header[-2:] == ["名单人数", "合格"]
    assert "已退回修改" in header and "未开始" in header
    lines = {r[0]: dict(zip(header, r, strict=True)) for r in totals.iter_rows(min_row=3, values_only=True)}
    assert list(lines) == ["6106", "610602", "610603"]
    assert lines["6106"]["学校数"] == 4 and lines["6106"]["已退回修改"] == 1 and lines["6106"]["未开始"] == 3
    assert lines["610602"]["学校数"] == 2 and lines["610602"]["名单人数"] == 2

    # the workbook and the JSON answer agree, filters included
    r = client.get("/api/v1/season.xlsx", headers=city, query_string={"year": year, "season": SEASON,
                                                                      "state": "returned"})
    rows = list(openpyxl.load_workbook(io.BytesIO(r.data))["审核进度"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == ["Y1"]
