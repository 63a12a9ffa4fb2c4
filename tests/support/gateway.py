"""A real gateway app on the test database and virtual host, and a small province to test with."""
import pytest
import sqlalchemy as sa

from gateway import accounts
from gateway.app import create_app

ADMIN = ("admin", "admin-pass-123")
PASSWORD = "test-pass-123"

# code, name, kind, parent, reviews_graduation, stamping unit
TREE = [
    ("61", "陕西省教育厅", "province", None, True, None),
    ("6105", "渭南市教育局", "city", "61", True, "05"),
    ("610502", "临渭区教育局", "county", "6105", True, None),
    ("610503", "华州区教育局", "county", "6105", False, None),
    ("S1", "临渭职业中专", "school", "610502", False, None),
    ("S2", "渭南市直属职业学校", "school", "6105", False, None),
    ("S3", "陕西省直属职业学院附属中专", "school", "61", False, "90"),
    ("S4", "华州职业中专", "school", "610503", False, None),
]

USERS = [
    ("s1_clerk", "S1", ["school_user"]),
    ("s1_manager", "S1", ["school_graduation_manager"]),
    ("s2_manager", "S2", ["school_graduation_manager"]),
    ("s3_manager", "S3", ["school_graduation_manager"]),
    ("s4_manager", "S4", ["school_graduation_manager"]),
    ("linwei_reviewer", "610502", ["bureau_reviewer"]),
    ("linwei_admin", "610502", ["org_admin"]),
    ("weinan_reviewer", "6105", ["bureau_reviewer"]),
    ("province_reviewer", "61", ["province_reviewer"]),
]


@pytest.fixture(scope="session")
def app(database_url, amqp_uri):
    return create_app({
        "TESTING": True, "DATABASE_URL": database_url, "AMQP_URI": amqp_uri, "RPC_TIMEOUT": 10,
        "LOGIN_MAX_FAILURES": 3, "LOGIN_LOCK_SECONDS": 600,
    })


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username, password=PASSWORD) -> dict:
    r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.get_json()
    return {"Authorization": f"Bearer {r.get_json()['token']}"}


@pytest.fixture(scope="session")
def province(app):
    """The tree and users above, created through the API as a province admin would."""
    return create_province(app)


def create_province(app) -> dict:
    """The tree and users above in the app's database (through its API); the province admin's headers."""
    with app.extensions["db"].begin() as conn:
        accounts.set_admin(conn, *ADMIN)
    client = app.test_client()
    admin = login(client, *ADMIN)
    for code, name, kind, parent, reviews, unit in TREE:
        r = client.post("/api/v1/orgs", headers=admin, json={
            "code": code, "name": name, "kind": kind, "parent_code": parent,
            "reviews_graduation": reviews, "stamping_unit_code": unit})
        assert r.status_code == 201, r.get_json()
    for username, org, roles in USERS:
        r = client.post("/api/v1/users", headers=admin, json={
            "username": username, "password": PASSWORD, "name": f"{username}的姓名", "phone": "0913-1234567",
            "org_code": org, "roles": roles})
        assert r.status_code == 201, r.get_json()
    return admin


def count(app, table: str) -> int:
    with app.extensions["db"].connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM accounts.{table}")).scalar_one()
