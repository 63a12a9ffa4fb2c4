/* 毕业季总览: every school of the caller's subtree with its review's state for a year and season, since
 * when, counts and the graduation deadline; totals per city and county; filters; export as XLSX. */
import {$, el, table, fill, busy, dash, formatTime, formValues} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {reviewUrl} from "../lib/reviews.js";

const DUE = {near: "即将到期", overdue: "已逾期", ok: "未到期"};
let statesShown = false;

function params() {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(formValues($("#season-form")))) if (v) p.set(k, v);
  return p;
}

function where(school) {
  if (school.waiting_for) return `待${school.waiting_for.name}审核`;
  if (school.returned) return `${school.returned.org}退回：${school.returned.reason}`;
  return school.acting ? `待${school.acting.name}办理` : "";
}

function deadline(d) {
  if (!d) return "—";
  const left = d.working_days_left < 0 ? `逾期${-d.working_days_left}个工作日` : `剩${d.working_days_left}个工作日`;
  return `${d.due}（${left}）`;
}

function render(data) {
  if (!statesShown) {
    $("#season-state").append(...data.states.map((s) => el("option", {value: s.state}, s.name)));
    statesShown = true;
  }
  const orgSelect = $("#season-org");
  if (orgSelect.options.length === 1) {
    orgSelect.append(...data.totals.filter((t) => t.kind !== "province").map((t) =>
      el("option", {value: t.code}, t.name)));
  }
  const stateNames = data.states.map((s) => s.name);
  fill($("#season-totals"), table(["地区", "学校数", ...stateNames, "名单人数", "合格人数"], data.totals.map((t) => ({
    class: t.kind === "province" ? "total" : null,
    cells: [t.name, String(t.schools), ...data.states.map((s) => String(t.by_state[s.state] || 0)),
      String(t.listed), String(t.qualified)],
  })), "season-totals"));
  $("#season-count").textContent = `（${data.schools.length} 所）`;
  if (!data.schools.length) return fill($("#season-schools"), el("p", {class: "empty"}, "没有符合条件的学校。"));
  fill($("#season-schools"), el("div", {class: data.schools.length > 20 ? "scroll-box" : null}, table(
    ["学校", "市", "县区", "审核状态", "当前办理 / 退回原因", "进入该状态", "名单", "合格", "不合格", "标记毕业截止", ""],
    data.schools.map((s) => ({
      class: s.deadline && s.deadline.state !== "ok" ? `deadline-${s.deadline.state}` : null,
      attrs: {"data-school": s.code, "data-state": s.state},
      cells: [s.name, s.city ? s.city.name : "—", s.county ? s.county.name : "—",
        el("span", {class: `status season-${s.state}`}, s.state_name), where(s), formatTime(s.since),
        String(s.listed || 0), String(s.qualified || 0), String(s.unqualified || 0),
        s.deadline ? `${deadline(s.deadline)} ${DUE[s.deadline.state] || ""}` : "—",
        s.review_id ? el("a", {class: "button small", href: reviewUrl(s.review_id)}, "打开") : ""],
    })), "season-schools long")));
}

async function load() {
  const p = params();
  $("#season-export").href = `/api/v1/season.xlsx?${p}`;
  busy($("#season-schools"), "正在加载…");
  try {
    render(await api("GET", `/api/v1/season?${p}`));
  } catch (err) {
    fill($("#season-schools"), errorBox(err));
    fill($("#season-totals"), "");
  }
}

$("#season-form").addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
load();
