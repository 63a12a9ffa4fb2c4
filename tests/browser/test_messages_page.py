"""The province admin's page 消息处理故障: an event its handler fails on every time (FAULTS=bug:<handler>) is
listed from the dead-letter queue beside the error the handler recorded, and a domain error given up on beside
it; after the fix the admin replays the dead message from the page and it is handled once. Screenshot:
var/screenshots/messages-page.png."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from services.common import queues
from tests.support.gateway import ADMIN, login
from tests.support.probe import HANDLER, RECEIVER, SENDER, event_id_of, received_rows
from tests.support.wait import until


def test_the_admin_sees_a_dead_message_with_its_error_and_replays_it_after_the_fix(
        web, client, app, province, spawn, probe_rpc, engine, monkeypatch):
    monkeypatch.setitem(app.config, "EVENT_SERVICES", ["probe_receiver"])  # besides the stack's services
    headers = login(client, *ADMIN)
    receiver = spawn(*RECEIVER)
    spawn(*SENDER)
    poison = event_id_of(engine, probe_rpc.probe_sender.add_note("poison"))  # a domain error (NotFound)

    def given_up() -> bool:
        return any(f["event_id"] == poison for f in client.get("/api/v1/event-failures?outcome=gave_up",
                                                               headers=headers).get_json()["failures"])
    until(given_up, what="the domain error given up on")
    receiver.stop()
    receiver = spawn(*RECEIVER, label="receiver-bug-page",
                     extra_env={"FAULTS": f"bug:{HANDLER}", "EVENT_RETRY_BACKOFF_SECONDS": "0.002"})
    note_id = probe_rpc.probe_sender.add_note("shown on the page")
    event_id = event_id_of(engine, note_id)

    def dead() -> bool:
        return any(m["event_id"] == event_id for m in client.get("/api/v1/dead-letters", headers=headers)
                   .get_json()["messages"])
    until(dead, what="the event dead-lettered")

    web.login(ADMIN[0], ADMIN[1])
    web.click("nav a[href='/admin/messages']")
    row = f"#dead-list tr[data-message='{event_id}']"
    web.wait(lambda d: web.finds(row), message="the dead message listed")
    text = web.text(row)
    assert HANDLER in text and "note_added" in text and "InjectedBug" in text, text
    assert str(queues.DELIVERY_LIMIT + 1) in text.split(), text  # its tries
    web.wait(lambda d: web.finds(f"#gave-up-list tr[data-event='{poison}']"), message="the domain error listed")
    assert "这条记录不存在" in web.text(f"#gave-up-list tr[data-event='{poison}']")
    web.shot("messages-page")

    receiver.stop()
    spawn(*RECEIVER, label="receiver-fixed-page")  # the fix deployed
    web.click(f"{row} button[data-replay]")
    said = web.confirm("重新投递")
    assert event_id in said
    web.wait_text("#notice", "已重新投递")
    until(lambda: received_rows(engine, note_id) == 1, what="the replayed event handled")
    web.wait(ec.invisibility_of_element_located((By.CSS_SELECTOR, row)), message="the message gone from the list")
    assert received_rows(engine, note_id) == 1


def test_the_page_is_the_province_admins_alone(web, province):
    web.login("linwei_admin")
    web.go("/admin/messages")
    assert "此页面不对您的账号开放" in web.text("main")
    assert "消息处理故障" not in web.text("nav")
