"""The province's administration through the real gateway and review service: organisations, accounts,
one-time passwords, the working calendar and the audit log. Every change is audited in its transaction;
every refused request leaves the tables as they were."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from gateway import accounts
from tests.support.gateway import ADMIN, PASSWORD, count, login

# a subtree of this module's own, so that no other test's org lists or accounts meet ours:
# 6177 city (reviews, stamping unit 77) → 617701 county (reviews) → AS1; AS2 directly under the city
TREE = [
    ("6177", "测试市教育局", "city", "61", True, "77"),
    ("617701", "测试县教育局", "county", "6177", True, None),
    ("AS1", "测试县职业中专", "school", "617701", False, None),
    ("AS2", "测试市直属职业学校", "school", "6177", False, None),
]
USERS = [
    ("a_prov_admin", "61", ["province_admin"]),
    ("a_city_admin", "6177", ["org_admin"]),
    ("a_county_admin", "617701", ["org_admin"]),
    ("a_county_reviewer", "617701", ["bureau_reviewer"]),
    ("as1_clerk", "AS1", ["school_user"]),
    ("as2_clerk", "AS2", ["school_user"]),
]
AMBIGUOUS = set("0O1lIio")
CHINA = dt.timezone(dt.timedelta(hours=8))


def user_body(username, org, roles, **extra):
    return {"username": username, "password": PASSWORD, "name": f"{username}的姓名", "phone": "0913-2222222",
            "org_code": org, "roles": roles, **extra}


@pytest.fixture(scope="module")
def tree(app, province):
    client = app.test_client()
    for code, name, kind, parent, reviews, unit in TREE:
        r = client.post("/api/v1/orgs", headers=province, json={
            "code": code, "name": name, "kind": kind, "parent_code": parent, "reviews_graduation": reviews,
            "stamping_unit_code": unit, "contact_name": f"{name}联系人", "contact_phone": "029-88886666"})
        assert r.status_code == 201, r.get_json()
    for username, org, roles in USERS:
        r = client.post("/api/v1/users", headers=province, json=user_body(username, org, roles))
        assert r.status_code == 201, r.get_json()
    return province


def new_user(client, admin, username, org="AS1", roles=("school_user",)) -> dict:
    r = client.post("/api/v1/users", headers=admin, json=user_body(username, org, list(roles)))
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def db(app):
    return app.extensions["db"]


def row(app, table: str, key: str, value) -> dict:
    with db(app).connect() as conn:
        found = conn.execute(sa.text(f"SELECT * FROM accounts.{table} WHERE {key} = :v"), {"v": value}).mappings()
        return dict(found.one())


def tokens_of(app, username: str) -> int:
    with db(app).connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM accounts.tokens t JOIN accounts.users u ON u.id = t.user_id "
                                    "WHERE u.username = :u"), {"u": username}).scalar_one()


def failures_of(app, username: str) -> int:
    with db(app).connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM accounts.login_failures WHERE username = :u"),
                            {"u": username}).scalar_one()


def audit_entries(app, action: str, target: str) -> list[dict]:
    with db(app).connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT username, org_code, details FROM accounts.audit_log WHERE action = :a AND target = :t ORDER BY id"),
            {"a": action, "t": target}).mappings()]


class Unchanged:
    """The rows a refused request must leave as they were: the target's row, the audit log, tokens."""

    def __init__(self, app, table: str, key: str, value):
        self.app, self.table, self.key, self.value = app, table, key, value
        self.before = self.state()

    def state(self):
        with db(self.app).connect() as conn:
            audit = conn.execute(sa.text("SELECT count(*) FROM accounts.audit_log")).scalar_one()
            tokens = conn.execute(sa.text("SELECT count(*) FROM accounts.tokens")).scalar_one()
            failures = conn.execute(sa.text("SELECT count(*) FROM accounts.login_failures")).scalar_one()
        return row(self.app, self.table, self.key, self.value), audit, tokens, failures

    def check(self):
        assert self.state() == self.before


def refused(response, status: int, fragment: str = "") -> None:
    assert response.status_code == status, response.get_json()
    message = response.get_json()["error"]["message"]
    assert message and fragment in message, message


# ---------------------------------------------------------------- organisations

def test_orgs_carry_their_contact(client, tree):
    org = client.get("/api/v1/orgs/617701", headers=tree).get_json()
    assert (org["contact_name"], org["contact_phone"]) == ("测试县教育局联系人", "029-88886666")
    listed = {o["code"]: o for o in client.get("/api/v1/orgs", headers=tree).get_json()}
    assert listed["617701"]["contact_name"] == "测试县教育局联系人"


def test_the_province_admin_changes_an_org_and_it_is_audited(app, client, tree):
    r = client.post("/api/v1/orgs", headers=tree, json={"code": "AS3", "name": "旧名称", "kind": "school",
                                                        "parent_code": "617701"})
    assert r.status_code == 201
    assert [o["code"] for o in client.get("/api/v1/orgs/AS3", headers=tree).get_json()["review_chain"]] == [
        "617701", "6177", "61"]

    r = client.patch("/api/v1/orgs/AS3", headers=tree, json={
        "code": "AS3", "kind": "school", "parent_code": "617701",  # the same values may be sent along
        "name": "新名称", "stamping_unit_code": "78", "contact_name": "赵老师", "contact_phone": "0913-3333333"})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["name"], body["stamping_unit_code"], body["contact_name"]) == ("新名称", "78", "赵老师")
    assert body["stamping_unit"] == {"org_code": "AS3", "name": "新名称", "code": "78"}
    stored = row(app, "orgs", "code", "AS3")
    assert (stored["name"], stored["stamping_unit_code"], stored["contact_phone"]) == ("新名称", "78", "0913-3333333")
    (entry,) = audit_entries(app, "org.update", "AS3")
    assert entry["username"] == ADMIN[0]
    assert entry["details"] == {
        "before": {"name": "旧名称", "stamping_unit_code": None, "contact_name": None, "contact_phone": None},
        "after": {"name": "新名称", "stamping_unit_code": "78", "contact_name": "赵老师",
                  "contact_phone": "0913-3333333"}}

    # the county stops reviewing: the school's chain leaves it out; null removes the stamping unit
    r = client.patch("/api/v1/orgs/617701", headers=tree, json={"reviews_graduation": False})
    assert r.status_code == 200 and r.get_json()["reviews_graduation"] is False
    assert [o["code"] for o in client.get("/api/v1/orgs/AS3", headers=tree).get_json()["review_chain"]] == [
        "6177", "61"]
    assert client.patch("/api/v1/orgs/617701", headers=tree, json={"reviews_graduation": True}).status_code == 200
    r = client.patch("/api/v1/orgs/AS3", headers=tree, json={"stamping_unit_code": None})
    assert r.status_code == 200 and r.get_json()["stamping_unit"]["code"] == "77"
    assert [e["details"]["after"] for e in audit_entries(app, "org.update", "617701")] == [
        {"reviews_graduation": False}, {"reviews_graduation": True}]

    # nothing changed, nothing audited
    before = count(app, "audit_log")
    assert client.patch("/api/v1/orgs/AS3", headers=tree, json={"name": "新名称"}).status_code == 200
    assert count(app, "audit_log") == before


@pytest.mark.parametrize("body, status, fragment", [
    ({"code": "AS9"}, 400, "机构代码"),
    ({"kind": "county"}, 400, "机构类型"),
    ({"parent_code": "6177"}, 400, "上级机构"),
    ({"parent_code": None}, 400, "上级机构"),
    ({"name": ""}, 400, "机构名称"),
    ({"name": 5}, 400, "机构名称"),
    ({"reviews_graduation": "yes"}, 400, "reviews_graduation"),
    ({"stamping_unit_code": "7"}, 400, "2位数字"),
    ({"stamping_unit_code": 77}, 400, "2位数字"),
    ({"stamping_unit_code": "05"}, 409, "已被使用"),      # 渭南市教育局's
    ({"path": "/61/AS1/"}, 400, "不能修改字段"),
    ({"contact_phone": 123}, 400, "contact_phone"),
    ({"name": "改名", "kind": "city"}, 400, "机构类型"),   # one bad field refuses the whole request
])
def test_bad_org_changes_are_refused_and_change_nothing(app, client, tree, body, status, fragment):
    unchanged = Unchanged(app, "orgs", "code", "AS1")
    refused(client.patch("/api/v1/orgs/AS1", headers=tree, json=body), status, fragment)
    unchanged.check()


@pytest.mark.parametrize("username, status", [
    ("a_city_admin", 403), ("a_county_admin", 403), ("province_reviewer", 403), ("as1_clerk", 403), (None, 401)])
def test_only_the_province_admin_changes_orgs(app, client, tree, username, status):
    headers = login(client, username) if username else {}
    unchanged = Unchanged(app, "orgs", "code", "AS1")
    refused(client.patch("/api/v1/orgs/AS1", headers=headers, json={"name": "改名"}), status)
    unchanged.check()


def test_an_unknown_org_is_404(client, tree):
    refused(client.patch("/api/v1/orgs/NOPE", headers=tree, json={"name": "x"}), 404, "找不到机构")


def test_the_org_list_gives_every_school_its_chain_and_unit_from_one_read(app, client, tree):
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db(app), "before_cursor_execute", seen)
    try:
        listed = client.get("/api/v1/orgs", headers=tree).get_json()
    finally:
        sa.event.remove(db(app), "before_cursor_execute", seen)
    schools = [o for o in listed if o["kind"] == "school"]
    assert len(schools) >= 6
    for school in schools:
        alone = client.get(f"/api/v1/orgs/{school['code']}", headers=tree).get_json()
        assert (school["review_chain"], school["stamping_unit"]) == (alone["review_chain"], alone["stamping_unit"])
    assert all("review_chain" not in o for o in listed if o["kind"] != "school")
    # the orgs table once, whatever the number of schools (besides the signed-in user's lookup, if not remembered)
    assert len([s for s in statements if "accounts.orgs" in s and "accounts.tokens" not in s]) == 1, statements

    county_view = client.get("/api/v1/orgs", headers=login(client, "a_county_reviewer")).get_json()
    as1 = next(o for o in county_view if o["code"] == "AS1")  # the chain reaches above the viewer's subtree
    assert [o["code"] for o in as1["review_chain"]] == ["617701", "6177", "61"]
    assert as1["stamping_unit"] == {"org_code": "6177", "name": "测试市教育局", "code": "77"}


# ---------------------------------------------------------------- accounts

def test_the_user_list_shows_active_locked_and_must_change(client, tree):
    new_user(client, tree, "as1_locked")
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json={"username": "as1_locked", "password": "wrong-one"}
                           ).status_code == 401
    users = {u["username"]: u for u in client.get("/api/v1/users", headers=login(client, "a_county_admin")).get_json()}
    assert (users["as1_locked"]["locked"], users["as1_clerk"]["locked"]) == (True, False)
    assert users["as1_clerk"]["active"] is True and users["as1_clerk"]["must_change_password"] is False
    assert "password_hash" not in users["as1_clerk"]
    assert {u["org_code"] for u in users.values()} <= {"617701", "AS1"}


def test_an_org_admin_changes_an_account_in_its_subtree(app, client, tree):
    new_user(client, tree, "as1_change")
    admin = login(client, "a_county_admin")
    r = client.patch("/api/v1/users/as1_change", headers=admin, json={
        "name": "孙老师", "phone": "0913-4444444", "roles": ["school_user", "school_graduation_manager"]})
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["name"], r.get_json()["roles"]) == ("孙老师", ["school_user", "school_graduation_manager"])
    assert row(app, "users", "username", "as1_change")["phone"] == "0913-4444444"
    (entry,) = audit_entries(app, "user.update", "as1_change")
    assert entry["username"] == "a_county_admin"
    assert entry["details"] == {
        "before": {"name": "as1_change的姓名", "phone": "0913-2222222", "roles": ["school_user"]},
        "after": {"name": "孙老师", "phone": "0913-4444444", "roles": ["school_user", "school_graduation_manager"]}}


def test_deactivating_signs_the_account_out(app, client, tree):
    new_user(client, tree, "as1_leaving")
    own = login(client, "as1_leaving")
    assert tokens_of(app, "as1_leaving") == 1
    r = client.patch("/api/v1/users/as1_leaving", headers=login(client, "a_city_admin"), json={"active": False})
    assert r.status_code == 200 and r.get_json()["active"] is False
    assert tokens_of(app, "as1_leaving") == 0
    assert client.get("/api/v1/me", headers=own).status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "as1_leaving", "password": PASSWORD}).status_code == 401
    assert audit_entries(app, "user.update", "as1_leaving")[0]["details"] == {
        "before": {"active": True}, "after": {"active": False}}
    assert client.patch("/api/v1/users/as1_leaving", headers=tree, json={"active": True}).status_code == 200
    login(client, "as1_leaving")


@pytest.mark.parametrize("actor, target, body, status, fragment", [
    ("as1_clerk", "as1_clerk", {"name": "改名"}, 403, "权限"),                  # not an admin
    ("a_county_reviewer", "as1_clerk", {"name": "改名"}, 403, "权限"),
    ("province_reviewer", "as1_clerk", {"name": "改名"}, 403, "权限"),
    ("a_county_admin", "as2_clerk", {"name": "改名"}, 404, "找不到账号"),       # outside its subtree
    ("a_county_admin", "a_city_admin", {"active": False}, 404, "找不到账号"),    # above it
    ("a_city_admin", "province_reviewer", {"name": "改名"}, 404, "找不到账号"),
    ("admin", "no_such_user", {"name": "改名"}, 404, "找不到账号"),
    ("a_county_admin", "as1_clerk", {"roles": ["bureau_reviewer"]}, 400, "不能授予"),
    ("a_county_admin", "as1_clerk", {"roles": ["province_admin"]}, 400, "不能授予"),
    ("a_county_admin", "as1_clerk", {"roles": ["no_such_role"]}, 400, "未知角色"),
    ("a_county_admin", "as1_clerk", {"roles": []}, 400, "角色"),
    ("a_county_admin", "as1_clerk", {"roles": "school_user"}, 400, "角色"),
    ("a_county_admin", "as1_clerk", {"name": " "}, 400, "姓名"),
    ("a_county_admin", "as1_clerk", {"phone": ""}, 400, "电话"),
    ("a_county_admin", "as1_clerk", {"active": "no"}, 400, "active"),
    ("a_county_admin", "as1_clerk", {"password": "new-password-1"}, 400, "重置密码"),
    ("a_county_admin", "as1_clerk", {"org_code": "AS2"}, 400, "不能修改字段"),
    ("a_county_admin", "as1_clerk", {"name": "改名", "active": "no"}, 400, "active"),
    ("a_county_admin", "a_county_admin", {"active": False}, 403, "不能停用自己"),
    ("a_county_admin", "a_county_admin", {"roles": ["bureau_reviewer"]}, 403, "自己的管理员角色"),
    ("admin", "admin", {"active": False}, 403, "不能停用自己"),
    ("admin", "admin", {"roles": ["province_reviewer"]}, 403, "自己的管理员角色"),
])
def test_bad_account_changes_are_refused_and_change_nothing(app, client, tree, actor, target, body, status,
                                                            fragment):
    headers = tree if actor == "admin" else login(client, actor)
    target_name = ADMIN[0] if target == "admin" else target
    unchanged = Unchanged(app, "users", "username", target_name) if target != "no_such_user" else None
    refused(client.patch(f"/api/v1/users/{target_name}", headers=headers, json=body), status, fragment)
    if unchanged:
        unchanged.check()


def test_only_a_province_admin_grants_or_removes_province_admin(app, client, tree):
    other = new_user(client, tree, "a_second_admin", org="61", roles=["province_reviewer"])
    r = client.patch("/api/v1/users/a_second_admin", headers=tree, json={"roles": ["province_admin"]})
    assert r.status_code == 200 and r.get_json()["roles"] == ["province_admin"]
    r = client.patch("/api/v1/users/a_second_admin", headers=login(client, "a_prov_admin"),
                     json={"roles": ["province_reviewer"]})
    assert r.status_code == 200 and r.get_json()["roles"] == ["province_reviewer"]
    assert len(audit_entries(app, "user.update", "a_second_admin")) == 2
    with db(app).begin() as conn:  # an org admin asking is refused, whichever way it could reach the rule
        user = accounts.get_user(conn, other["id"])
        actor = accounts.get_user_by_name(conn, "a_city_admin")
        with pytest.raises(accounts.Forbidden, match="省级管理员角色"):
            accounts.update_user(conn, user, {"kind": "province"}, {"roles": ["province_admin"]}, actor)


def test_reset_password_gives_a_one_time_password(app, client, tree):
    new_user(client, tree, "as1_forgot")
    own = login(client, "as1_forgot")
    client.post("/api/v1/auth/token", json={"username": "as1_forgot", "password": "wrong-one"})
    assert failures_of(app, "as1_forgot") == 1
    r = client.post("/api/v1/users/as1_forgot/reset-password", headers=login(client, "a_county_admin"))
    assert r.status_code == 200, r.get_json()
    password = r.get_json()["password"]
    assert len(password) >= 10 and not AMBIGUOUS & set(password)
    assert r.get_json() == {"password": password}
    assert client.get("/api/v1/me", headers=own).status_code == 401        # signed out everywhere
    assert tokens_of(app, "as1_forgot") == 0 and failures_of(app, "as1_forgot") == 0
    assert client.post("/api/v1/auth/token", json={"username": "as1_forgot", "password": PASSWORD}).status_code == 401
    answer = client.post("/api/v1/auth/token", json={"username": "as1_forgot", "password": password}).get_json()
    assert answer["must_change_password"] is True and answer["user"]["must_change_password"] is True
    one_time = {"Authorization": f"Bearer {answer['token']}"}
    refused(client.get("/api/v1/orgs", headers=one_time), 403, "一次性密码")  # nothing but choosing one's own
    assert client.get("/api/v1/me", headers=one_time).status_code == 200
    r = client.post("/api/v1/me/password", headers=one_time, json={"old_password": password,
                                                                   "new_password": "chosen-by-me-7"})
    assert r.status_code == 200 and client.get("/api/v1/orgs", headers=one_time).status_code == 200
    (entry,) = audit_entries(app, "user.reset_password", "as1_forgot")
    assert entry["username"] == "a_county_admin"
    with db(app).connect() as conn:  # the password is in no audit entry
        assert conn.execute(sa.text("SELECT count(*) FROM accounts.audit_log WHERE details::text LIKE :p"),
                            {"p": f"%{password}%"}).scalar_one() == 0
    assert len({accounts.one_time_password() for _ in range(50)}) == 50


@pytest.mark.parametrize("path", ["reset-password", "unlock"])
@pytest.mark.parametrize("actor, target, status", [
    ("as1_clerk", "as1_clerk", 403),
    ("a_county_reviewer", "as1_clerk", 403),
    ("a_county_admin", "as2_clerk", 404),
    ("a_county_admin", "nobody_here", 404),
])
def test_reset_and_unlock_are_refused_to_others(app, client, tree, path, actor, target, status):
    headers = login(client, actor)
    for _ in range(2):
        client.post("/api/v1/auth/token", json={"username": target, "password": "wrong-one"})
    unchanged = Unchanged(app, "users", "username", target) if target != "nobody_here" else None
    before = count(app, "audit_log"), count(app, "login_failures")
    r = client.post(f"/api/v1/users/{target}/{path}", headers=headers)
    refused(r, status)
    assert "password" not in r.get_json()
    assert (count(app, "audit_log"), count(app, "login_failures")) == before
    if unchanged:
        unchanged.check()
    with db(app).begin() as conn:
        accounts.clear_failures(conn, target)


def test_unlock_ends_a_lock(app, client, tree):
    new_user(client, tree, "as2_locked", org="AS2")
    for _ in range(3):
        client.post("/api/v1/auth/token", json={"username": "as2_locked", "password": "wrong-one"})
    refused(client.post("/api/v1/auth/token", json={"username": "as2_locked", "password": PASSWORD}), 429, "锁定")
    r = client.post("/api/v1/users/as2_locked/unlock", headers=login(client, "a_city_admin"))
    assert r.status_code == 200 and r.get_json()["locked"] is False
    login(client, "as2_locked")
    (entry,) = audit_entries(app, "user.unlock", "as2_locked")
    assert entry["username"] == "a_city_admin" and entry["details"] == {"failures_cleared": 3}


def test_changing_ones_own_password(app, client, tree):
    new_user(client, tree, "as1_mover")
    here, elsewhere = login(client, "as1_mover"), login(client, "as1_mover")
    r = client.post("/api/v1/me/password", headers=here,
                    json={"old_password": PASSWORD, "new_password": "my-own-secret-9"})
    assert r.status_code == 200 and r.get_json()["must_change_password"] is False
    assert client.get("/api/v1/me", headers=here).status_code == 200        # this session stays
    assert client.get("/api/v1/me", headers=elsewhere).status_code == 401   # the others end
    login(client, "as1_mover", "my-own-secret-9")
    (entry,) = audit_entries(app, "user.password_changed", "as1_mover")
    assert entry["username"] == "as1_mover" and entry["details"] == {}


@pytest.mark.parametrize("body, fragment", [
    ({"old_password": "not-my-password", "new_password": "brand-new-pass"}, "原密码不正确"),
    ({"old_password": PASSWORD, "new_password": "short"}, "至少8位"),
    ({"old_password": PASSWORD, "new_password": PASSWORD}, "不能与原密码相同"),
    ({"old_password": PASSWORD}, "新密码"),
    ({"new_password": "brand-new-pass"}, "原密码不正确"),
])
def test_bad_password_changes_are_refused_and_change_nothing(app, client, tree, body, fragment):
    headers = login(client, "as2_clerk")
    unchanged = Unchanged(app, "users", "username", "as2_clerk")
    refused(client.post("/api/v1/me/password", headers=headers, json=body), 400, fragment)
    unchanged.check()
    refused(client.post("/api/v1/me/password", json=body), 401)


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_a_one_time_password_leads_the_web_user_to_choose_a_password(app, tree):
    client = app.test_client()
    new_user(client, tree, "as1_web")
    password = client.post("/api/v1/users/as1_web/reset-password", headers=tree).get_json()["password"]
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login?next=/school/data", data={"username": "as1_web", "password": password, "csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith("/account/password")
    for path in ("/", "/school/data", "/reviews/new"):   # every page leads there while the flag is set
        r = client.get(path)
        assert r.status_code == 302 and r.headers["Location"].endswith("/account/password"), path

    page = client.get("/account/password").get_data(as_text=True)
    assert "一次性密码" in page and 'name="old_password"' in page and 'name="new_password_again"' in page
    form = page[page.index("<form method=\"post\" action=\"/account/password\""):]
    assert "<script" not in form[:form.index("</form>")] and 'data-page="password"' in page
    token = csrf_from(page)
    form = {"csrf_token": token, "old_password": password, "new_password": "chosen-by-me-1"}
    r = client.post("/account/password", data={**form, "new_password_again": "chosen-by-me-2"})
    assert r.status_code == 400 and "两次输入的新密码不一致" in r.get_data(as_text=True)
    assert row(app, "users", "username", "as1_web")["must_change_password"] is True
    assert client.post("/account/password", data={"old_password": password, "new_password": "chosen-by-me-1",
                                                   "new_password_again": "chosen-by-me-1"}).status_code == 400  # CSRF
    assert row(app, "users", "username", "as1_web")["must_change_password"] is True

    r = client.post("/account/password", data={**form, "new_password_again": "chosen-by-me-1"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert row(app, "users", "username", "as1_web")["must_change_password"] is False
    answer = app.test_client().post("/api/v1/auth/token", json={"username": "as1_web", "password": "chosen-by-me-1"})
    assert answer.get_json()["must_change_password"] is False
    assert [e["username"] for e in audit_entries(app, "user.password_changed", "as1_web")] == ["as1_web"]


# ---------------------------------------------------------------- the working calendar

def test_the_province_lists_and_removes_its_calendar_days(app, client, tree, stack):
    admin = tree
    for day, workday, note in [("2033-05-06", True, "调休上班"), ("2033-09-01", False, "地方性假日")]:
        r = client.post("/api/v1/calendar", headers=admin, json={"date": day, "workday": workday, "note": note})
        assert r.status_code == 200, r.get_json()
    (entry,) = audit_entries(app, "calendar.set", "2033-09-01")
    assert entry["username"] == ADMIN[0] and entry["details"] == {"workday": False, "note": "地方性假日"}

    days = client.get("/api/v1/calendar?year=2033", headers=login(client, "as1_clerk")).get_json()
    assert [(d["date"], d["workday"], d["note"], d["by"]) for d in days] == [
        ("2033-05-06", True, "调休上班", ADMIN[0]), ("2033-09-01", False, "地方性假日", ADMIN[0])]
    assert all(dt.datetime.fromisoformat(d["at"]).tzinfo for d in days)
    assert client.get("/api/v1/calendar?year=2034", headers=admin).get_json() == []

    r = client.delete("/api/v1/calendar/2033-09-01", headers=admin)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["date"], r.get_json()["workday"]) == ("2033-09-01", False)
    assert [d["date"] for d in client.get("/api/v1/calendar?year=2033", headers=admin).get_json()] == ["2033-05-06"]
    (entry,) = audit_entries(app, "calendar.delete", "2033-09-01")
    assert entry["username"] == ADMIN[0] and entry["details"]["note"] == "地方性假日"


def calendar_days(app) -> list:
    with db(app).connect() as conn:
        return conn.execute(sa.text("SELECT day, workday, note, by_username FROM review.calendar_days ORDER BY day")
                            ).all()


@pytest.mark.parametrize("method, path, body, who, status", [
    ("delete", "/api/v1/calendar/2033-05-06", None, "province_reviewer", 403),
    ("delete", "/api/v1/calendar/2033-05-06", None, "a_city_admin", 403),
    ("delete", "/api/v1/calendar/2033-05-07", None, "admin", 404),      # no correction on that day
    ("delete", "/api/v1/calendar/2033-02-30", None, "admin", 400),
    ("post", "/api/v1/calendar", {"date": "2033-05-06", "workday": False}, "a_city_admin", 403),
    ("post", "/api/v1/calendar", {"date": "2033-13-01", "workday": False}, "admin", 400),
    ("post", "/api/v1/calendar", {"date": "2033-05-08", "workday": "no"}, "admin", 400),
    ("get", "/api/v1/calendar?year=33", None, "admin", 400),
    ("get", "/api/v1/calendar?year=2033", None, None, 401),
])
def test_bad_calendar_requests_change_nothing(app, client, tree, stack, method, path, body, who, status):
    client.post("/api/v1/calendar", headers=tree, json={"date": "2033-05-06", "workday": True, "note": "调休上班"})
    headers = tree if who == "admin" else (login(client, who) if who else {})
    before = calendar_days(app), count(app, "audit_log")
    refused(getattr(client, method)(path, headers=headers, json=body), status)
    assert (calendar_days(app), count(app, "audit_log")) == before


# ---------------------------------------------------------------- the audit log

@pytest.fixture(scope="module")
def logged(app, tree):
    """Five changes by a province admin of the audit tests' own, and one by the city's admin, so the log's
    filters have rows to find that no other test adds to."""
    client = app.test_client()
    new_user(client, tree, "a_audit_admin", org="61", roles=["province_admin"])
    headers = login(client, "a_audit_admin")
    for n in range(3):
        new_user(client, headers, f"audit_u{n}", org="AS2")
    assert client.post("/api/v1/users/audit_u0/unlock", headers=headers).status_code == 200
    assert client.patch("/api/v1/orgs/AS2", headers=headers, json={"contact_name": "审计测试"}).status_code == 200
    assert client.post("/api/v1/users/audit_u1/unlock", headers=login(client, "a_city_admin")).status_code == 200
    return headers


def audit(client, headers, **params) -> dict:
    r = client.get("/api/v1/audit", headers=headers, query_string=params)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_the_audit_log_filters_and_pages(app, client, logged):
    admin = login(client, *ADMIN)
    mine = audit(client, admin, username="a_audit_admin")
    assert [(e["action"], e["target"]) for e in mine["entries"]] == [
        ("org.update", "AS2"), ("user.unlock", "audit_u0"),
        ("user.create", "audit_u2"), ("user.create", "audit_u1"), ("user.create", "audit_u0")]
    assert mine["next_before_id"] is None
    first = mine["entries"][0]
    assert first["org_code"] == "61" and first["details"]["after"] == {"contact_name": "审计测试"}
    assert set(first) == {"id", "at", "username", "org_code", "action", "target", "details"}

    assert [e["target"] for e in audit(client, admin, username="a_audit_admin", action="user.create")["entries"]] == [
        "audit_u2", "audit_u1", "audit_u0"]
    assert {e["action"] for e in audit(client, admin, username="a_audit_admin", action="user.")["entries"]} == {
        "user.create", "user.unlock"}
    assert audit(client, admin, username="a_audit_admin", action="user")["entries"] == []  # exact unless "user."
    assert [e["action"] for e in audit(client, admin, target="audit_u0")["entries"]] == ["user.unlock", "user.create"]
    by_city = audit(client, admin, org_code="6177", limit=500)["entries"]
    assert {e["org_code"] for e in by_city} == {"6177"}
    assert ("a_city_admin", "user.unlock", "audit_u1") in {(e["username"], e["action"], e["target"]) for e in by_city}

    today = dt.datetime.now(CHINA).date()
    assert len(audit(client, admin, username="a_audit_admin", since=today.isoformat(),
                     until=today.isoformat())["entries"]) == 5
    assert audit(client, admin, username="a_audit_admin", until=(today - dt.timedelta(days=1)).isoformat()
                 )["entries"] == []
    assert audit(client, admin, username="a_audit_admin", since=(today + dt.timedelta(days=1)).isoformat()
                 )["entries"] == []

    pages, before_id = [], None
    for _ in range(5):  # three pages, and no more
        paging = {"limit": 2, **({"before_id": before_id} if before_id else {})}
        page = audit(client, admin, username="a_audit_admin", **paging)
        pages.append([e["id"] for e in page["entries"]])
        before_id = page["next_before_id"]
        if before_id is None:
            break
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == [e["id"] for e in mine["entries"]]

    with db(app).begin() as conn:  # more entries than one page may hold
        conn.execute(sa.text("INSERT INTO accounts.audit_log (action, target, details) "
                             "SELECT 'test.filler', 'filler', '{}' FROM generate_series(1, 501)"))
    everything = audit(client, admin, limit=100000)
    assert len(everything["entries"]) == 500 and everything["next_before_id"] == everything["entries"][-1]["id"]
    assert len(audit(client, admin)["entries"]) == 50


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "x"}, {"before_id": "-3"}, {"since": "yesterday"},
                                    {"until": "2027-02-30"}])
def test_bad_audit_queries_are_400(client, logged, params):
    refused(client.get("/api/v1/audit", headers=login(client, *ADMIN), query_string=params), 400)


@pytest.mark.parametrize("username", ["a_city_admin", "province_reviewer", "as1_clerk"])
def test_only_the_province_admin_reads_the_audit_log(client, tree, username):
    refused(client.get("/api/v1/audit", headers=login(client, username)), 403)


def test_openapi_lists_the_administration(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "patch" in paths["/api/v1/orgs/{code}"] and "patch" in paths["/api/v1/users/{username}"]
    for path in ("/api/v1/users/{username}/reset-password", "/api/v1/users/{username}/unlock", "/api/v1/me/password",
                 "/api/v1/audit", "/api/v1/calendar/{day}"):
        assert path in paths, path
    assert "get" in paths["/api/v1/calendar"]
