"""`make demo`: load a demo province into the running system through its public API and run a
season: registries, course plans, grades, graduate lists, verification, the review chain, numbers.

Accounts get random passwords, printed at the end and written to var/demo-accounts.txt; nothing
has a default password. Running it again keeps what exists and resets the demo passwords.
"""
import datetime as dt
import os
import random
import secrets
import signal
import subprocess
import sys
import time

import requests

from deploy import demo_data
from deploy.local import LOG_DIR, ROOT, pid_path, port, running_pid
from gateway import accounts
from gateway.db import init_engine
from services.common.settings import setting

ORGS = [
    # code, name, kind, parent, reviews_graduation, stamping unit
    ("61", "陕西省教育厅", "province", None, True, None),
    ("6105", "渭南市教育局", "city", "61", True, "05"),
    ("610502", "临渭区教育局", "county", "6105", True, None),
    ("610528", "富平县教育局", "county", "6105", True, None),
    ("6101", "西安市教育局", "city", "61", True, "01"),
    ("61050201", "临渭区职业教育中心", "school", "610502", False, None),
    ("61052801", "富平县职业教育中心", "school", "610528", False, None),
    ("61050001", "渭南工业学校", "school", "6105", False, None),
    ("61000001", "陕西省直属职业技术学校", "school", "61", False, "90"),
]
USERS = [
    # username, name, org, roles
    ("linwei_jiaowu", "王丽", "61050201", ["school_graduation_manager", "org_admin"]),
    ("fuping_jiaowu", "李强", "61052801", ["school_graduation_manager"]),
    ("weigong_jiaowu", "赵敏", "61050001", ["school_graduation_manager"]),
    ("shengzhi_jiaowu", "陈静", "61000001", ["school_graduation_manager"]),
    ("linwei_shenhe", "刘洋", "610502", ["bureau_reviewer"]),
    ("fuping_shenhe", "周杰", "610528", ["bureau_reviewer"]),
    ("weinan_shenhe", "孙红", "6105", ["bureau_reviewer"]),
    ("sheng_shenhe", "马超", "61", ["province_reviewer"]),
]


def main() -> int:
    base = f"http://127.0.0.1:{port()}/api/v1"
    passwords = {"demo_admin": secrets.token_urlsafe(9)}
    engine = init_engine(setting("DATABASE_URL"))
    with engine.begin() as conn:
        accounts.set_admin(conn, "demo_admin", passwords["demo_admin"])
    http = requests.Session()
    token = http.post(f"{base}/auth/token", json={"username": "demo_admin", "password": passwords["demo_admin"]},
                      timeout=30).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    for code, name, kind, parent, reviews, unit in ORGS:
        r = http.post(f"{base}/orgs", json={"code": code, "name": name, "kind": kind, "parent_code": parent,
                                            "reviews_graduation": reviews, "stamping_unit_code": unit}, timeout=30)
        if r.status_code not in (201, 409):
            print(f"机构 {code} 创建失败：{r.text}", file=sys.stderr)
            return 1
    with engine.begin() as conn:
        for username, name, org, roles in USERS:
            passwords[username] = secrets.token_urlsafe(9)
            if accounts.get_user_by_name(conn, username):
                accounts.reset_password(conn, username, passwords[username])
                continue
            r = http.post(f"{base}/users", json={"username": username, "password": passwords[username],
                                                 "name": name, "phone": "0913-2100000", "org_code": org,
                                                 "roles": roles}, timeout=30)
            if r.status_code != 201:
                print(f"账号 {username} 创建失败：{r.text}", file=sys.stderr)
                return 1
    run_season(base, passwords)
    site = start_print_site(http, base)
    lines = [f"{u}\t{p}" for u, p in passwords.items()]
    path = os.path.join(ROOT, "var", "demo-accounts.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("演示省份已就绪：", f"http://127.0.0.1:{port()}/")
    print("演示账号（用户名\t密码），也保存在 var/demo-accounts.txt：")
    print("\n".join(lines))
    if site:
        print(f"打印点：{DEMO_SITE[1]}（打印机 {DEMO_QUEUE}，打印出的证书在 {os.path.expanduser('~/PDF')}），"
              "临渭区职业教育中心的审核页面点“打印证书与表格”即可打印")
    return 0


DEMO_SITE = ("61050201", "临渭区职业教育中心教务处")
DEMO_QUEUE = "biye-demo-pdf"  # deploy/setup.sh demo adds it (cups-pdf: a printer that writes PDFs)


def start_print_site(http: requests.Session, base: str) -> dict | None:
    """The demo school's print site with a running agent beside the local CUPS; registered afresh on every
    run (its secret is shown only at registration), the previous one revoked."""
    try:
        if DEMO_QUEUE not in subprocess.run(["lpstat", "-p"], capture_output=True, text=True).stdout:
            print(f"本机没有打印机 {DEMO_QUEUE}，演示中不设打印点（deploy/setup.sh demo 会添加它）")
            return None
    except FileNotFoundError:
        return None
    for old in http.get(f"{base}/print-sites", timeout=30).json():
        if (old["org_code"], old["name"]) == DEMO_SITE:
            http.delete(f"{base}/print-sites/{old['site_id']}", timeout=30)
    r = http.post(f"{base}/print-sites", json={"org_code": DEMO_SITE[0], "name": DEMO_SITE[1]}, timeout=30)
    if r.status_code != 201:
        print(f"打印点登记失败：{r.text}", file=sys.stderr)
        return None
    site = r.json()
    pid = running_pid("printagent")
    if pid:
        os.killpg(pid, signal.SIGTERM)
    env = {"AGENT_SITE_ID": site["site_id"], "AGENT_AMQP_URI": site["credentials"]["amqp_uri"],
           "AGENT_GATEWAY_URL": f"http://127.0.0.1:{port()}",
           "AGENT_STATE_DIR": os.path.join(ROOT, "var", "printagent")}
    with open(os.path.join(LOG_DIR, "printagent.log"), "ab") as log:
        child = subprocess.Popen([sys.executable, "-m", "printagent"], cwd=ROOT, env=dict(os.environ, **env),
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(pid_path("printagent"), "w") as f:
        f.write(str(child.pid))
    return site



# school, its manager, the reviewers of its chain nearest first, how far the demo takes it, size
SEASON = [
    ("61050201", "linwei_jiaowu", ["linwei_shenhe", "weinan_shenhe", "sheng_shenhe"], "numbered", 90),
    ("61052801", "fuping_jiaowu", ["fuping_shenhe", "weinan_shenhe", "sheng_shenhe"], "numbered", 60),
    ("61050001", "weigong_jiaowu", ["weinan_shenhe", "sheng_shenhe"], "pending_province", 75),
    ("61000001", "shengzhi_jiaowu", ["sheng_shenhe"], "draft", 45),
]


class Api:
    def __init__(self, base: str, username: str, password: str):
        self.base = base
        self.http = requests.Session()
        r = self.http.post(f"{base}/auth/token", json={"username": username, "password": password}, timeout=30)
        r.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {r.json()['token']}"

    def call(self, method: str, path: str, ok=(200, 201, 202), **kwargs) -> dict | list:
        r = self.http.request(method, f"{self.base}{path}", timeout=120, **kwargs)
        if r.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:500]}")
        return r.json()

    def upload(self, path: str, content: bytes, filename: str, **fields) -> dict:
        return self.call("POST", path, files={"file": (filename, content)}, data=fields)


def run_season(base: str, passwords: dict) -> None:
    year = dt.date.today().year
    for index, (school, manager_name, reviewers, goal, size) in enumerate(SEASON, start=1):
        rng = random.Random(index)
        manager = Api(base, manager_name, passwords[manager_name])
        existing = manager.call("GET", f"/reviews?school_code={school}&year={year}&season=秋季")
        if existing and existing[0]["status"] != "draft":
            print(f"{school}：本季毕业审核已在进行（{existing[0]['status_name']}），跳过")
            continue
        people = demo_data.students(rng, index, size)
        manager.upload(f"/schools/{school}/students", demo_data.xlsx(people), "学籍.xlsx")
        manager.upload(f"/schools/{school}/course-plans", demo_data.xlsx(demo_data.plan_rows()), "专业课程设置.xlsx")
        manager.call("POST", f"/schools/{school}/grades", json={"grades": demo_data.grades(rng, people)})
        listed = [{"姓名": p["姓名"], "性别": p["性别"], "身份证号": p["身份证号"], "招生类别": p["招生类别"],
                   "毕业方式": "升学" if n % 23 == 0 else "正常毕业"} for n, p in enumerate(people, start=1)]
        review_id = manager.upload("/reviews", demo_data.xlsx(listed), "毕业生名单.xlsx", school_code=school,
                                   year=str(year), season="秋季", kind="正常验印", rebuild="true")["review_id"]
        review = wait_for(manager, review_id, lambda r: r["verification"]["state"] == "done")
        print(f"{school}：名单{review['verification']['total']}人，合格{review['qualified']}人，"
              f"不合格{len(review['unqualified'])}人")
        if goal == "draft":
            continue
        approve_level(manager, review_id)
        manager.call("POST", f"/reviews/{review_id}/submit")
        for reviewer in reviewers:
            if goal == "pending_province" and reviewer == "sheng_shenhe":
                break
            approve_level(Api(base, reviewer, passwords[reviewer]), review_id, approve=True)
        if goal == "numbered":
            wait_for(manager, review_id, lambda r: r["status"] == "numbered")
            certificates = manager.call("GET", f"/reviews/{review_id}/certificates")
            print(f"{school}：已发证书编号 {certificates[0]['number']} 至 {certificates[-1]['number']}")


def approve_level(api: Api, review_id: str, approve: bool = False) -> None:
    review = api.call("GET", f"/reviews/{review_id}")
    for major in review["majors"]:
        api.call("POST", f"/reviews/{review_id}/majors/{major['major_code']}/approve")
    if approve:
        api.call("POST", f"/reviews/{review_id}/approve")


def wait_for(api: Api, review_id: str, done, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        review = api.call("GET", f"/reviews/{review_id}")
        if done(review):
            return review
        time.sleep(0.5)
    raise RuntimeError(f"审核{review_id}在{timeout}秒内没有完成")


if __name__ == "__main__":
    sys.exit(main())
