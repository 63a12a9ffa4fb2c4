"""Accounts and organisations through the real gateway (API.md "Accounts and organisations")."""
import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.support.gateway import ADMIN, PASSWORD, count, login
from tests.support.processes import ROOT


@pytest.mark.parametrize("school, chain, unit", [
    ("S1", ["610502", "6105", "61"], "05"),   # under a county
    ("S2", ["6105", "61"], "05"),             # directly under a city
    ("S3", ["61"], "90"),                     # directly under the province, its own stamping unit
    ("S4", ["6105", "61"], "05"),             # under a county that does not review graduation
])
def test_review_chain_and_stamping_unit(client, province, school, chain, unit):
    r = client.get(f"/api/v1/orgs/{school}", headers=province)
    assert r.status_code == 200
    body = r.get_json()
    assert [o["code"] for o in body["review_chain"]] == chain
    assert body["stamping_unit"]["code"] == unit


def test_school_user_sees_only_its_school(client, province):
    headers = login(client, "s1_clerk")
    assert [o["code"] for o in client.get("/api/v1/orgs", headers=headers).get_json()] == ["S1"]
    assert client.get("/api/v1/orgs/S1", headers=headers).status_code == 200
    for other in ("S2", "610502", "6105", "61"):
        r = client.get(f"/api/v1/orgs/{other}", headers=headers)
        assert r.status_code == 404
        assert r.get_json()["error"]["message"]
    users = client.get("/api/v1/users", headers=headers).get_json()
    assert {u["org_code"] for u in users} == {"S1"}


def test_bureau_sees_its_subtree_only(client, province):
    headers = login(client, "linwei_reviewer")
    assert [o["code"] for o in client.get("/api/v1/orgs", headers=headers).get_json()] == ["610502", "S1"]
    assert client.get("/api/v1/orgs/S2", headers=headers).status_code == 404
    assert client.get("/api/v1/orgs/6105", headers=headers).status_code == 404


@pytest.mark.parametrize("body, status, fragment", [
    ({"code": "61", "name": "重复", "kind": "city", "parent_code": "61"}, 409, "已被使用"),
    ({"code": "6109", "name": "安康", "kind": "city", "parent_code": "61", "stamping_unit_code": "05"}, 409,
     "验印单位编号"),
    ({"code": "6199", "name": "某县", "kind": "county", "parent_code": "61"}, 400, "不能设在"),
    ({"code": "6198", "name": "某市", "kind": "city", "parent_code": "nope"}, 400, "不存在"),
    ({"code": "6197", "name": "某市", "kind": "city", "parent_code": "61", "stamping_unit_code": "5"}, 400, "2位数字"),
    ({"code": "62", "name": "另一个省", "kind": "province"}, 409, "省级机构"),
    ({"code": "bad code!", "name": "x", "kind": "school", "parent_code": "61"}, 400, "机构代码"),
])
def test_bad_orgs_are_refused_and_change_nothing(app, client, province, body, status, fragment):
    before = count(app, "orgs")
    r = client.post("/api/v1/orgs", headers=province, json=body)
    assert r.status_code == status
    assert fragment in r.get_json()["error"]["message"]
    assert count(app, "orgs") == before


def test_only_province_admin_creates_orgs(client, province):
    headers = login(client, "weinan_reviewer")
    r = client.post("/api/v1/orgs", headers=headers, json={"code": "S9", "name": "x", "kind": "school",
                                                           "parent_code": "6105"})
    assert r.status_code == 403
    assert client.post("/api/v1/orgs", json={"code": "S9"}).status_code == 401


def user_body(username, org, roles, **extra):
    return {"username": username, "password": PASSWORD, "name": "张老师", "phone": "13800000000",
            "org_code": org, "roles": roles, **extra}


def test_org_admin_creates_accounts_in_its_subtree_only(app, client, province):
    headers = login(client, "linwei_admin")
    assert client.post("/api/v1/users", headers=headers,
                       json=user_body("s1_new", "S1", ["school_user"])).status_code == 201
    before = count(app, "users")
    r = client.post("/api/v1/users", headers=headers, json=user_body("s2_new", "S2", ["school_user"]))
    assert r.status_code == 403
    assert count(app, "users") == before
    with app.extensions["db"].connect() as conn:
        actions = conn.execute(sa.text("SELECT action, target, username FROM accounts.audit_log")).all()
    assert ("user.create", "s1_new", "linwei_admin") in actions


@pytest.mark.parametrize("body, status", [
    (user_body("s1_x", "S1", ["bureau_reviewer"]), 400),      # a bureau role at a school
    (user_body("s1_y", "S1", ["school_user"], name=""), 400),  # forms need the real name
    (user_body("s1_z", "S1", ["school_user"], password="short"), 400),
    (user_body("s1_clerk", "S1", ["school_user"]), 409),       # username taken
    (user_body("s1_w", "S1", ["no_such_role"]), 400),
])
def test_bad_users_are_refused(app, client, province, body, status):
    before = count(app, "users")
    r = client.post("/api/v1/users", headers=province, json=body)
    assert r.status_code == status
    assert r.get_json()["error"]["message"]
    assert count(app, "users") == before


def test_passwords_are_hashed_with_a_standard_algorithm(app, province):
    with app.extensions["db"].connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM accounts.users WHERE username='s1_clerk'")).scalar()
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


def test_tokens_expire(app, client, province):
    body = user_body("expiring", "S2", ["school_user"])
    assert client.post("/api/v1/users", headers=province, json=body).status_code == 201
    headers = login(client, "expiring")
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with app.extensions["db"].begin() as conn:
        conn.execute(sa.text("UPDATE accounts.tokens SET expires_at = now() - interval '1 second' WHERE user_id = "
                             "(SELECT id FROM accounts.users WHERE username = 'expiring')"))
    r = client.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert "过期" in r.get_json()["error"]["message"]


def test_wrong_passwords_throttle_the_account(client, province):
    body = user_body("throttled", "S2", ["school_user"])
    assert client.post("/api/v1/users", headers=province, json=body).status_code == 201
    for _ in range(3):
        r = client.post("/api/v1/auth/token", json={"username": "throttled", "password": "wrong-password"})
        assert r.status_code == 401
    r = client.post("/api/v1/auth/token", json={"username": "throttled", "password": PASSWORD})
    assert r.status_code == 429
    assert "锁定" in r.get_json()["error"]["message"]
    # another account is not affected
    assert client.post("/api/v1/auth/token", json={"username": "s1_manager", "password": PASSWORD}).status_code == 200


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_web_session_needs_csrf_for_writes(client, province):
    page = client.get("/login")
    assert "登录" in page.get_data(as_text=True)
    assert client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1]}).status_code == 400
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/login", data={"username": ADMIN[0], "password": ADMIN[1], "csrf_token": token})
    assert r.status_code == 302
    home = client.get("/")
    assert "陕西省教育厅" in home.get_data(as_text=True)  # signed in: the page names the user's organisation

    body = {"code": "S5", "name": "蒲城职教中心", "kind": "school", "parent_code": "6105"}
    r = client.post("/api/v1/orgs", json=body)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "csrf"
    r = client.post("/api/v1/orgs", json=body, headers={"X-CSRFToken": csrf_from(home.get_data(as_text=True))})
    assert r.status_code == 201


def test_wrong_password_on_the_web_page_says_so(client, province):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": "s1_manager", "password": "nope-nope", "csrf_token": token})
    assert r.status_code == 401
    assert "用户名或密码错误" in r.get_data(as_text=True)


def test_make_admin_creates_and_resets(app, client, database_url):
    def admin(*args):
        return subprocess.run([sys.executable, "-m", "gateway.cli", "admin", *args], cwd=ROOT,
                              env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
                              capture_output=True, text=True)
    assert admin("ops", "first-password").returncode == 0
    login(client, "ops", "first-password")
    assert admin("ops", "second-password").returncode == 0
    r = client.post("/api/v1/auth/token", json={"username": "ops", "password": "first-password"})
    assert r.status_code == 401
    login(client, "ops", "second-password")
    refused = admin("ops", "short")
    assert refused.returncode == 1 and "密码" in refused.stderr


def test_openapi_lists_the_routes(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/orgs"])
    assert "/api/v1/orgs/{code}" in spec["paths"]


def test_unknown_api_path_is_a_json_error(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.get_json()["error"]["code"] == "not_found"
