"""A county bureau and a school of the tests' own under 渭南市教育局, with accounts, made through the API."""
from tests.support.gateway import PASSWORD


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
