/* 操作日志: the audit log, newest first, filtered by action, who, what and when; older pages on demand. */
import {$, el, table, fill, dash, formatTime, formValues} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";

let entries = [];
let next = null;

function details(d) {
  return Object.entries(d || {}).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`).join("\n");
}

function query(before) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(formValues($("#audit-form")))) if (v) params.set(k, v);
  if (before) params.set("before_id", before);
  return `/api/v1/audit?${params}`;
}

async function load(more) {
  try {
    const page = await api("GET", query(more ? next : null));
    entries = more ? entries.concat(page.entries) : page.entries;
    next = page.next_before_id;
  } catch (err) {
    return fill($("#audit-list"), errorBox(err));
  }
  $("#audit-more").hidden = !next;
  if (!entries.length) return fill($("#audit-list"), el("p", {class: "empty"}, "没有符合条件的记录。"));
  fill($("#audit-list"), table(["时间", "操作人", "单位", "操作", "对象", "详情"], entries.map((e) => [
    formatTime(e.at), dash(e.username), dash(e.org_code), e.action, dash(e.target),
    el("div", {class: "pre small"}, details(e.details)),
  ]), "audit"));
}

$("#audit-form").addEventListener("submit", (event) => {
  event.preventDefault();
  load(false);
});
$("#audit-more").addEventListener("click", () => load(true));
load(false);
