"""The review view says what the signed-in user may do now, and it is exactly what the service accepts.

For one review of a school whose chain has three levels, moved through every state, and for every
account of the test province: the `actions` of GET /reviews/{id} must equal the set of requests the
review service's own judge (actions.act, run in a transaction that is rolled back; for 重新核验, which
runs through roster, actions.judge, which its request is judged by) lets through, over every action of
the state machine and every major of the review. Nothing here lists who may do what.
"""
from sqlalchemy.orm import Session

from services.common.errors import ServiceError
from services.review import actions, machine
from tests.support.gateway import ADMIN, USERS, login
from tests.support.season import approve_all_majors, verified_review
from tests.support.wait import until

ACCOUNTS = [username for username, _, _ in USERS] + [ADMIN[0]]
YEAR = 2092


def headers_of(client, username: str) -> dict:
    return login(client, *ADMIN) if username == ADMIN[0] else login(client, username)


def actor_of(client, headers: dict) -> dict:
    me = client.get("/api/v1/me", headers=headers).get_json()
    return {"username": me["user"]["username"], "name": me["user"]["name"], "phone": me["user"]["phone"],
            "org_code": me["org"]["code"], "org_name": me["org"]["name"], "roles": me["user"]["roles"]}


def requests_of(view: dict) -> list[tuple[str, str | None]]:
    majors = [m["major_code"] for m in view["majors"]]
    return [(a, code) for a in machine.ACTIONS for code in (majors if a == machine.APPROVE_MAJOR else [None])]


def accepted(engine, review_id: str, actor: dict, view: dict) -> set[tuple[str, str | None]]:
    """The requests the service's judge lets through, each tried and rolled back."""
    ok = set()
    for action, major in requests_of(view):
        with Session(engine) as session:
            try:
                if action == machine.REVERIFY:
                    actions.judge(session, review_id, action, actor)
                else:
                    actions.act(session, review_id, action, actor, major, reason="请补充材料")
            except ServiceError:
                pass
            else:
                ok.add((action, major))
            finally:
                session.rollback()
    return ok


def offered(view: dict) -> set[tuple[str, str | None]]:
    return {(a["action"], a.get("major_code")) for a in view["actions"]}


def compare_every_account(client, engine, review_id: str, accounts: dict) -> dict[str, set]:
    seen = {}
    for username, (headers, actor) in accounts.items():
        r = client.get(f"/api/v1/reviews/{review_id}", headers=headers)
        if r.status_code == 404:  # not in this account's subtree: it may do nothing
            seen[username] = set()
            continue
        view = r.get_json()
        assert offered(view) == accepted(engine, review_id, actor, view), (view["status"], username)
        seen[username] = offered(view)
    return seen


def post(client, headers, review_id, path, **body):
    r = client.post(f"/api/v1/reviews/{review_id}/{path}", headers=headers, json=body or None)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_offered_actions_equal_accepted_ones_in_every_state(client, province, stack, engine):
    accounts = {}
    for username in ACCOUNTS:
        headers = headers_of(client, username)
        accounts[username] = (headers, actor_of(client, headers))
    manager = accounts["s1_manager"][0]
    county, city, prov = (accounts[u][0] for u in ("linwei_reviewer", "weinan_reviewer", "province_reviewer"))
    review_id, _ = verified_review(client, manager, "S1", 6400, 4, year=YEAR)
    majors = [m["major_code"] for m in client.get(f"/api/v1/reviews/{review_id}", headers=manager)
              .get_json()["majors"]]
    assert len(majors) == 2

    someone_could_act = set()

    def check_here():
        for username, acts in compare_every_account(client, engine, review_id, accounts).items():
            if acts:
                someone_could_act.add(username)

    check_here()  # draft, nothing approved: submit is blocked, not offered
    post(client, manager, review_id, f"majors/{majors[0]}/approve")
    check_here()  # one major left
    approve_all_majors(client, manager, review_id)
    check_here()
    post(client, manager, review_id, "submit")
    for level in (county, city):
        check_here()
        approve_all_majors(client, level, review_id)
        check_here()
        post(client, level, review_id, "approve")
    check_here()  # the province's turn
    post(client, prov, review_id, "return", reason="请核对名单")
    check_here()  # returned: the school's draft again
    approve_all_majors(client, manager, review_id)
    post(client, manager, review_id, "submit")
    for level in (county, city, prov):
        approve_all_majors(client, level, review_id)
        post(client, level, review_id, "approve")
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          what="numbers issued")
    check_here()
    post(client, manager, review_id, "mark-printed")
    check_here()  # the stamping unit (the city's) stamps
    post(client, city, review_id, "stamp")
    check_here()
    post(client, manager, review_id, "mark-graduated")
    check_here()
    assert someone_could_act == {"s1_manager", "linwei_reviewer", "weinan_reviewer", "province_reviewer"}


def test_blocked_work_says_why(client, province, stack):
    manager = login(client, "s1_manager")
    review_id, _ = verified_review(client, manager, "S1", 6410, 2, year=YEAR + 1)
    view = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
    assert [b["action"] for b in view["blocked"]] == ["submit"]
    assert "尚未确认" in view["blocked"][0]["reason"]  # the school confirms its own tables
    approve_all_majors(client, manager, review_id)
    view = client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()
    assert view["blocked"] == [] and {a["action"] for a in view["actions"]} == {"submit", "reverify"}
    r = client.post(f"/api/v1/reviews/{review_id}/majors/{view['majors'][0]['major_code']}/approve", headers=manager)
    assert r.status_code == 409 and "已审核通过" in r.get_json()["error"]["message"]
