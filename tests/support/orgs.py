"""A county bureau and a school of the tests' own under 渭南市教育局, with accounts, made through the API."""
from tests.support.gateway import PASSWORD, login


def county_with_school(client, admin: dict, county: tuple[str, str], school: tuple[str, str],
                       accounts: list[tuple[str, str, str, str]]) -> None:
    """`county` and `school` as (code, name); `accounts` as (username, name, org code, role)."""
    for code, name, kind, parent, reviews in [(*county, "county", "6105", True), (*school, "school", county[0], False)]:
        r = client.post("/api/v1/orgs", headers=admin, json={
            "code": code, "name": name, "kind": kind, "parent_code": parent, "reviews_graduation": reviews})
        assert r.status_code == 201, r.get_json()
    for username, name, org, role in accounts:
        r = client.post("/api/v1/users", headers=admin, json={
            "username": username, "password": PASSWORD, "name": name, "phone": "0913-7654321", "org_code": org,
            "roles": [role]})
        assert r.status_code == 201, r.get_json()


def school_with_manager(client, admin: dict, school: tuple[str, str], manager: tuple[str, str],
                        parent: str = "6105") -> dict:
    """A school `(code, name)` under `parent` with its graduation manager `(username, name)`; the
    manager's sign-in headers."""
    r = client.post("/api/v1/orgs", headers=admin, json={
        "code": school[0], "name": school[1], "kind": "school", "parent_code": parent})
    assert r.status_code == 201, r.get_json()
    r = client.post("/api/v1/users", headers=admin, json={
        "username": manager[0], "password": PASSWORD, "name": manager[1], "phone": "0913-1111111",
        "org_code": school[0], "roles": ["school_graduation_manager"]})
    assert r.status_code == 201, r.get_json()
    return login(client, manager[0])
