/* 工作台: reviews waiting for the user's organisation, the subtree's reviews, graduation deadlines. */
import {$, el, table, fill, formatTime} from "../lib/dom.js";
import {api, vocabulary} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {reviewUrl, statusBadge} from "../lib/reviews.js";

const DEADLINE_STATES = {overdue: "已逾期", near: "即将到期", ok: "未到期"};

async function reviewList(target, url, empty) {
  try {
    const [list, names] = await Promise.all([api("GET", url), vocabulary()]);
    if (!list.length) return fill(target, el("p", {class: "empty"}, empty));
    fill(target, table(["学校", "年份", "季节", "类别", "状态", "核验进度", "更新时间", ""], list.map((r) => [
      r.school_name, String(r.year), r.season, r.kind, statusBadge(r.status, names),
      `${r.verified}/${r.total}`, formatTime(r.updated_at),
      el("a", {class: "button small", href: reviewUrl(r.id)}, "打开"),
    ])));
  } catch (err) {
    fill(target, errorBox(err));
  }
}

async function deadlines(target) {
  try {
    const list = await api("GET", "/api/v1/deadlines");
    if (!list.length) return fill(target, el("p", {class: "empty"}, "目前没有等待标记毕业的审核。"));
    fill(target, table(["学校", "毕业审核", "验印日期", "截止日期", "剩余工作日", "状态", ""], list.map((d) => ({
      class: `deadline-${d.state}`,
      cells: [d.school_name, `${d.year}年${d.season}${d.kind}`, d.stamped_on, d.due,
        d.working_days_left < 0 ? `逾期${-d.working_days_left}天` : `${d.working_days_left}天`,
        DEADLINE_STATES[d.state] || d.state, el("a", {class: "button small", href: reviewUrl(d.id)}, "打开")],
    }))));
  } catch (err) {
    fill(target, errorBox(err));
  }
}

const waiting = $("#waiting-reviews");
const all = $("#all-reviews");
const due = $("#deadlines");
if (waiting) reviewList(waiting, "/api/v1/reviews?waiting=true", "目前没有等待本单位审核的毕业审核。");
if (all) reviewList(all, "/api/v1/reviews", "暂无毕业审核。");
if (due) deadlines(due);
