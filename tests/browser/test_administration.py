"""The province run from the browser: the admin builds a city, a county and a school and their accounts
only through the pages; the school's season then moves and the dashboard follows it; a reviewer finds a
graduate; a reset password is used once; the calendar and the audit log; and on the review page the
buttons are exactly the actions the server offers. Screenshots at 1366×768 go to var/screenshots/."""
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select

from tests.support.gateway import ADMIN, PASSWORD, login
from tests.support.season import approve_all_majors, verified_review
from tests.support.wait import until

CITY = ("6107", "汉中市教育局", "07")
COUNTY = ("610702", "南郑区教育局")
SCHOOL = ("SH1", "南郑职业中专")
ACCOUNTS = [  # username, name, org, role
    ("sh1_manager", "赵老师", SCHOOL[0], "school_graduation_manager"),
    ("nanzheng_reviewer", "钱审核", COUNTY[0], "bureau_reviewer"),
    ("hanzhong_reviewer", "孙审核", CITY[0], "bureau_reviewer"),
]
YEAR = 2070


@pytest.fixture
def wide(web):
    web.driver.set_window_size(1366, 768)
    yield web
    web.driver.set_window_size(1400, 1000)


def create_org(web, kind: str, parent: str, code: str, name: str, unit: str = "") -> None:
    Select(web.find("#org-kind")).select_by_value(kind)
    web.wait(lambda d: any(o.get_attribute("value") == parent for o in web.finds("#org-parent option")),
             message=f"parent {parent} offered")
    Select(web.find("#org-parent")).select_by_value(parent)
    for field, value in (("code", code), ("name", name), ("stamping_unit_code", unit)):
        web.find(f"#org-form input[name={field}]").send_keys(value)
    web.click("#org-form button[type=submit]")
    web.wait_text("#org-form .result", f"已新建“{name}”")
    web.wait(lambda d: web.finds(f"#org-list tr[data-org='{code}']"), message=f"{code} listed")


def create_account(web, username: str, name: str, org: str, role: str) -> None:
    Select(web.find("#user-org")).select_by_value(org)
    for field, value in (("username", username), ("name", name), ("phone", "0916-2345678"), ("password", PASSWORD)):
        web.find(f"#user-form input[name={field}]").send_keys(value)
    web.find(f"#user-roles input[name='role:{role}']").click()
    web.click("#user-form button[type=submit]")
    web.wait_text("#user-form .result", f"已新建账号 {username}")


def dashboard_state(web, school: str) -> str:
    web.go(f"/season?year={YEAR}")
    Select(web.find("#season-form select[name=season]")).select_by_visible_text("春季")
    web.find("#season-form input[name=year]").clear()
    web.find("#season-form input[name=year]").send_keys(str(YEAR))
    web.click("#season-form button[type=submit]")
    row = f"#season-schools tr[data-school='{school}']"
    web.wait(lambda d: web.finds(row), message="school on the dashboard")
    return web.find(row).get_attribute("data-state")


def offered_buttons(web) -> set[str]:
    shown = set()
    for button in web.finds("#review [data-action]"):
        major = button.get_attribute("data-major")
        shown.add(button.get_attribute("data-action") + (f":{major}" if major else ""))
    return shown


def offered_by_api(client, username: str, review_id: str) -> set[str]:
    view = client.get(f"/api/v1/reviews/{review_id}", headers=login(client, username)).get_json()
    return {a["action"] + (":" + a["major_code"] if a.get("major_code") else "") for a in view["actions"]}


def review_page_matches_api(web, client, username: str, review_id: str) -> set[str]:
    web.go(f"/reviews/{review_id}")
    web.wait_text("#progress-text", "100%")
    expected = offered_by_api(client, username, review_id)
    web.wait(lambda d: offered_buttons(web) == expected, timeout=10,
             message=f"{username}'s buttons {offered_buttons(web)} equal the API's {expected}")
    return expected


def test_the_admin_builds_a_province_and_it_runs_its_season(wide, client, app, province, stack):
    web = wide
    web.login(ADMIN[0], ADMIN[1])
    web.go("/admin/orgs")
    web.wait(lambda d: web.finds("#org-list tr[data-org='61']"), message="the tree")
    create_org(web, "city", "61", CITY[0], CITY[1], CITY[2])
    create_org(web, "county", CITY[0], *COUNTY)
    create_org(web, "school", COUNTY[0], *SCHOOL)
    chain = web.text(f"#org-list tr[data-org='{SCHOOL[0]}']")
    assert "南郑区教育局 → 汉中市教育局 → 陕西省教育厅" in chain and "验印：汉中市教育局（07）" in chain

    # A contact for the school, through the edit dialog.
    web.click(f"#org-list button[data-edit='{SCHOOL[0]}']")
    web.find("#dialog-contact_name").send_keys("周主任")
    web.find("#dialog-contact_phone").send_keys("0916-5551234")
    web.click("#dialog-confirm")
    web.wait_text(f"#org-list tr[data-org='{SCHOOL[0]}']", "周主任")
    web.shot("20-admin-orgs")

    web.go("/admin/users")
    web.wait(lambda d: web.finds("#user-org option"), message="organisations offered")
    for account in ACCOUNTS:
        create_account(web, *account)
    for username, *_ in ACCOUNTS:
        assert web.finds(f"#user-list tr[data-user='{username}']")
    # Roles offered follow the organisation's kind: a school offers no reviewer role.
    Select(web.find("#user-org")).select_by_value(SCHOOL[0])
    assert not web.finds("#user-roles input[name='role:bureau_reviewer']")
    web.shot("21-admin-users")

    # A reset password is shown once and works once: its holder must choose their own.
    web.click("#user-list tr[data-user='hanzhong_reviewer'] button[data-op=reset]")
    web.click("#dialog-confirm")
    web.wait(lambda d: "一次性密码" in web.text("dialog"), message="one-time password shown")
    one_time = web.text("dialog").split("一次性密码：")[1].split()[0]
    web.click("#dialog-confirm")
    web.wait_text("#user-list tr[data-user='hanzhong_reviewer']", "待本人修改密码")
    web.logout()
    web.login("hanzhong_reviewer", one_time, lands="/account/password")
    web.find("input[name=old_password]").send_keys(one_time)
    web.find("input[name=new_password]").send_keys(PASSWORD)
    web.find("input[name=new_password_again]").send_keys(PASSWORD)
    web.find("form.password button[type=submit], main form button[type=submit]").click()
    web.wait(ec.url_to_be(web.base + "/"), message="own password set")
    web.logout()

    # The school runs its season with the accounts made in the pages.
    manager = login(client, "sh1_manager")
    review_id, students = verified_review(client, manager, SCHOOL[0], 6700, 4, year=YEAR)
    web.login("nanzheng_reviewer")
    assert dashboard_state(web, SCHOOL[0]) == "school_editing"
    approve_all_majors(client, manager, review_id)
    assert client.post(f"/api/v1/reviews/{review_id}/submit", headers=manager).status_code == 200
    assert dashboard_state(web, SCHOOL[0]) == "waiting"
    assert "待南郑区教育局审核" in web.text(f"#season-schools tr[data-school='{SCHOOL[0]}']")
    web.shot("22-season-dashboard")

    # The county's reviewer sees exactly the buttons the server offers, approves, and it moves on.
    assert review_page_matches_api(web, client, "nanzheng_reviewer", review_id) == {
        f"approve_major:{m}" for m in ("710204", "730301")} | {"return"}
    for level in ("nanzheng_reviewer", "hanzhong_reviewer", "province_reviewer"):
        headers = login(client, level)
        approve_all_majors(client, headers, review_id)
        assert client.post(f"/api/v1/reviews/{review_id}/approve", headers=headers).status_code == 200
    until(lambda: client.get(f"/api/v1/reviews/{review_id}", headers=manager).get_json()["status"] == "numbered",
          what="numbers issued")
    assert dashboard_state(web, SCHOOL[0]) == "numbered"
    assert review_page_matches_api(web, client, "nanzheng_reviewer", review_id) == set()

    # The reviewer finds a graduate by name, with the certificate, the ID number masked until asked.
    web.go("/graduates")
    web.find("#search-q").send_keys(students[1]["姓名"])
    web.click("#search-form button[type=submit]")
    web.wait(lambda d: web.finds("#search-result tbody tr"), message="found")
    row = web.find("#search-result tbody tr")
    number = students[1]["身份证号"]
    assert students[1]["姓名"] in row.text and SCHOOL[1] in row.text and f"{YEAR}07" in row.text
    assert f"{number[:6]}********{number[-4:]}" in row.text and number not in row.text
    row.find_element(By.CSS_SELECTOR, "button.reveal").click()
    web.wait_text("#search-result tbody tr", number, message="whole number on request")
    web.shot("23-find-graduate")
    web.logout()

    # The province's reviewer corrects certificates from the certificates page: ID numbers masked there too.
    web.login("province_reviewer")
    web.go(f"/reviews/{review_id}/certificates")
    web.wait(lambda d: len(web.finds("#certificate-list tbody tr")) == 4, message="four certificates")
    first, second = (r.find_elements(By.TAG_NAME, "td") for r in web.finds("#certificate-list tbody tr")[:2])
    assert all(re.fullmatch(r"\d{6}\*{8}[\dX]{4} 显示", r.find_elements(By.TAG_NAME, "td")[3].text)
               for r in web.finds("#certificate-list tbody tr"))
    voided, corrected = first[1].text, second[1].text
    web.click(f"#certificate-list button[data-action=void][data-number='{voided}']")
    web.find("#dialog-text").send_keys("姓名录入错误，学校申请作废")
    web.click("#dialog-confirm")
    web.wait_text("#notice", f"{voided} 已作废")
    web.click(f"#certificate-list button[data-action=reissue][data-number='{corrected}']")
    web.click("#dialog-confirm")  # no reason: the dialog asks for one
    web.wait_text("dialog", "请填写更正原因")
    web.find("#dialog-text").send_keys("证书污损，更正补发")
    web.click("#dialog-confirm")
    web.wait_text("#notice", "新编号")
    listing = web.text("#certificate-list")
    assert "已作废（姓名录入错误，学校申请作废）" in listing and "已作废（证书污损，更正补发）" in listing
    assert not web.finds(f"#certificate-list button[data-number='{voided}']")
    web.shot("25-certificate-corrections")
    web.logout()

    # The school's manager: the buttons are the school's next step only.
    web.login("sh1_manager")
    assert review_page_matches_api(web, client, "sh1_manager", review_id) == {"mark_printed"}
    web.logout()

    # The calendar and the audit log, which holds what the admin did in the pages.
    web.login(ADMIN[0], ADMIN[1])
    web.go("/admin/calendar")
    web.driver.execute_script("arguments[0].value = '2070-10-09'", web.find("#calendar-form input[name=date]"))
    Select(web.find("#calendar-form select[name=workday]")).select_by_value("true")
    web.find("#calendar-form input[name=note]").send_keys("省政府通知调休上班")
    web.click("#calendar-form button[type=submit]")
    web.wait(lambda d: web.finds("#calendar-list tr[data-date='2070-10-09']"), message="day listed")
    assert "上班" in web.text("#calendar-list tr[data-date='2070-10-09']")
    web.click("#calendar-list tr[data-date='2070-10-09'] button[data-op=delete]")
    web.click("#dialog-confirm")
    web.wait(lambda d: not web.finds("#calendar-list tr[data-date='2070-10-09']"), message="day removed")

    web.go("/admin/audit")
    Select(web.find("#audit-action")).select_by_value("org.")
    web.find("#audit-form input[name=target]").send_keys(SCHOOL[0])
    web.click("#audit-form button[type=submit]")
    web.wait(lambda d: len(web.finds("#audit-list tbody tr")) == 2, message="the school's creation and edit")
    assert {r.find_elements(By.TAG_NAME, "td")[3].text for r in web.finds("#audit-list tbody tr")} == {
        "org.create", "org.update"}
    web.shot("24-audit-log")


def test_pages_for_the_province_are_closed_to_a_school(web, province):
    web.login("s1_manager")
    for path in ("/admin/orgs", "/admin/users", "/admin/calendar", "/admin/audit", "/admin/messages", "/season"):
        web.go(path)
        assert "此页面不对您的账号开放" in web.text("main"), path
    assert "机构管理" not in web.text("nav")
