/* 工作台: reviews waiting for the user's organisation first, graduation deadlines when there are any,
 * then the subtree's reviews (a bureau's list filtered by school and state, schools' drafts left out
 * unless asked for). */
import {$, el, table, fill, formatTime} from "../lib/dom.js";
import {api, vocabulary} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {reviewUrl, statusBadge} from "../lib/reviews.js";

const DEADLINE_STATES = {overdue: "已逾期", near: "即将到期", ok: "未到期"};
const SUBMITTED = "with-reviewers";  // the filter's "not in the school's hands" choice
let names = {};

function reviewTable(list) {
  return table(["学校", "年份", "季节", "类别", "状态", "核验进度", "更新时间", ""], list.map((r) => ({
    attrs: {"data-review": r.id, "data-status": r.status},
    cells: [r.school_name, String(r.year), r.season, r.kind, statusBadge(r.status, names, r.status_name),
      `${r.verified}/${r.total}`, formatTime(r.updated_at), el("a", {class: "button small", href: reviewUrl(r.id)}, "打开")],
  })));
}

async function waitingList(target) {
  try {
    const list = await api("GET", "/api/v1/reviews?waiting=true");
    fill(target, list.length ? reviewTable(list) : el("p", {class: "empty"}, "目前没有等待本单位审核的毕业审核。"));
  } catch (err) {
    fill(target, errorBox(err));
  }
}

async function allReviews(target) {
  let list;
  try {
    list = await api("GET", "/api/v1/reviews");
  } catch (err) {
    return fill(target, errorBox(err));
  }
  const text = $("#review-filter");
  const status = $("#review-status-filter");
  if (!text) {
    return fill(target, list.length ? reviewTable(list) : el("p", {class: "empty"}, "暂无毕业审核。"));
  }
  status.replaceChildren(el("option", {value: SUBMITTED}, "已提交的（不含学校编辑中）"), el("option", {value: ""}, "全部"),
    ...Object.entries(names.states).map(([code, name]) => el("option", {value: code}, name)));
  const show = () => {
    const words = text.value.trim();
    const wanted = status.value;
    const shown = list.filter((r) => (!words || r.school_name.includes(words))
      && (wanted === "" || (wanted === SUBMITTED ? r.waiting_for !== r.school_code : r.status === wanted)));
    fill(target, shown.length ? reviewTable(shown) : el("p", {class: "empty"}, "没有符合条件的毕业审核。"));
  };
  text.addEventListener("input", show);
  status.addEventListener("change", show);
  show();
}

async function deadlines(target) {
  try {
    const list = await api("GET", "/api/v1/deadlines");
    $("#deadlines-card").hidden = !list.length;
    if (!list.length) return fill(target, el("p", {class: "empty"}, "目前没有等待标记毕业的审核。"));
    fill(target, table(["学校", "毕业审核", "验印日期", "截止日期", "剩余工作日", "状态", ""], list.map((d) => ({
      class: `deadline-${d.state}`,
      cells: [d.school_name, `${d.year}年${d.season}${d.kind}`, d.stamped_on, d.due,
        d.working_days_left < 0 ? `逾期${-d.working_days_left}天` : `${d.working_days_left}天`,
        DEADLINE_STATES[d.state] || d.state, el("a", {class: "button small", href: reviewUrl(d.id)}, "打开")],
    }))));
  } catch (err) {
    $("#deadlines-card").hidden = false;
    fill(target, errorBox(err));
  }
}

async function start() {
  names = await vocabulary();
  const waiting = $("#waiting-reviews");
  if (waiting) waitingList(waiting);
  if ($("#deadlines")) deadlines($("#deadlines"));
  if ($("#all-reviews")) allReviews($("#all-reviews"));
}

start();
