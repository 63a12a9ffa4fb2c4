"""ID numbers in lists are masked for everyone; the whole number is shown on an explicit, audited request
by a role allowed to see it (API.md "Graduation reviews")."""
import re

import pytest
import sqlalchemy as sa

from tests.support.gateway import ADMIN, login
from tests.support.season import listed_review, numbered_certificates, verified_review

MASKED = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
YEAR = 2091


@pytest.fixture(scope="module")
def season(app, province, stack):
    """A numbered review of three students of S2, and a later list naming one of them again (unqualified:
    the student already holds a certificate)."""
    client = app.test_client()
    manager = login(client, "s2_manager")
    review_id, students = verified_review(client, manager, "S2", 6300, 3, year=YEAR)
    certificates = numbered_certificates(client, manager, review_id,
                                         [login(client, "weinan_reviewer"), login(client, "province_reviewer")])
    unlisted = listed_review(client, manager, "S2", [students[0]], YEAR, season="秋季")
    return {"review_id": review_id, "students": students, "certificates": certificates, "manager": manager,
            "listed_again": unlisted}


def list_responses(client, season, headers) -> dict[str, list[str]]:
    review_id = season["review_id"]
    majors = client.get(f"/api/v1/reviews/{review_id}", headers=headers).get_json()["majors"]
    ids = {"certificates": [c["id_number"] for c in
                            client.get(f"/api/v1/reviews/{review_id}/certificates", headers=headers).get_json()]}
    for major in majors:
        table = client.get(f"/api/v1/reviews/{review_id}/majors/{major['major_code']}", headers=headers).get_json()
        ids[f"major {major['major_code']}"] = [s["id_number"] for s in table["students"]]
    detail = client.get(f"/api/v1/reviews/{review_id}/graduates/2/grades", headers=headers).get_json()
    ids["grades"] = [detail["id_number"]]
    return ids


@pytest.mark.parametrize("username", ["s2_manager", "weinan_reviewer", "province_reviewer", "admin"])
def test_every_list_masks_id_numbers_for_every_role(client, season, username):
    headers = login(client, *ADMIN) if username == "admin" else login(client, username)
    for where, numbers in list_responses(client, season, headers).items():
        assert numbers and all(MASKED.match(n) for n in numbers), (where, numbers)


def test_unqualified_rows_are_masked(client, season):
    view = client.get(f"/api/v1/reviews/{season['review_id']}", headers=season["manager"]).get_json()
    assert view["qualified"] == 3
    again = client.get(f"/api/v1/reviews/{season['listed_again']}", headers=season["manager"]).get_json()
    assert again["unqualified"] and all(MASKED.match(u["id_number"]) for u in again["unqualified"])


def audit_rows(engine, target: str) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT username, details FROM accounts.audit_log WHERE action = 'id_number.reveal' AND target = :t "
            "ORDER BY id"),
            {"t": target}).mappings()]


@pytest.mark.parametrize("username", ["s2_manager", "weinan_reviewer"])
def test_a_whole_number_is_revealed_on_request_and_audited(client, season, engine, username):
    headers = login(client, username)
    review_id = season["review_id"]
    target = f"review:{review_id}:row:2"  # the list's first student: row 1 holds the headers
    before = len(audit_rows(engine, target))
    r = client.post(f"/api/v1/reviews/{review_id}/graduates/2/id-number", headers=headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["id_number"] == season["students"][0]["身份证号"]
    rows = audit_rows(engine, target)
    assert len(rows) == before + 1 and rows[-1]["username"] == username
    assert rows[-1]["details"]["name"] == season["students"][0]["姓名"]


def test_a_certificates_whole_number_is_revealed_and_audited(client, season, engine):
    cert = season["certificates"][0]
    r = client.post(f"/api/v1/reviews/{season['review_id']}/certificates/{cert['number']}/id-number",
                    headers=login(client, "province_reviewer"))
    assert r.status_code == 200
    assert r.get_json()["id_number"] == season["students"][0]["身份证号"]
    assert [a["username"] for a in audit_rows(engine, f"certificate:{cert['number']}")] == ["province_reviewer"]
    missing = client.post(f"/api/v1/reviews/{season['review_id']}/certificates/99999999999/id-number",
                          headers=login(client, "province_reviewer"))
    assert missing.status_code == 404


def test_reveal_is_refused_to_roles_without_it_and_outside_the_subtree(client, season, engine):
    review_id = season["review_id"]
    before = len(audit_rows(engine, f"review:{review_id}:row:1"))
    for username, status in (("linwei_admin", 403), ("linwei_reviewer", 404), ("s1_manager", 404)):
        r = client.post(f"/api/v1/reviews/{review_id}/graduates/1/id-number", headers=login(client, username))
        assert r.status_code == status, username
        assert r.get_json()["error"]["message"]
    assert len(audit_rows(engine, f"review:{review_id}:row:1")) == before


def test_only_certificate_correctors_are_offered_corrections(client, season):
    url = f"/api/v1/reviews/{season['review_id']}/certificates"
    offered = client.get(url, headers=login(client, "province_reviewer")).get_json()
    assert {tuple(c["actions"]) for c in offered} == {("reissue", "void")}
    assert {tuple(c["actions"]) for c in client.get(url, headers=season["manager"]).get_json()} == {()}
