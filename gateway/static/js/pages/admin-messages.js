/* 消息处理故障 (province admin): messages the services could not handle. Dead-lettered messages beside the
 * error their handler recorded, each replayed into its queue (after a fix) or discarded; the domain errors
 * handlers gave up on; and failures being retried now. */
import {$, el, table, fill, dash, formatTime} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {ask, errorBox, showNotice, withButton} from "../lib/messages.js";

function errorCell(failure) {
  if (!failure) return el("span", {class: "hint"}, "处理程序没有记下错误（可能当时数据库不可用）");
  return el("div", null,
    el("div", {class: "pre small bad"}, failure.last_error),
    failure.last_trace ? el("details", null, el("summary", null, "调用栈"), el("pre", {class: "small"}, failure.last_trace))
      : null);
}

function payloadCell(payload) {
  const entries = Object.entries(payload || {});
  if (!entries.length) return "—";
  return el("div", {class: "pre small"}, entries.map(([k, v]) => `${k}: ${v}`).join("\n"));
}

async function act(button, m, replay) {
  const what = `处理程序：${m.handler}\n事件：${dash(m.event_type)}\n消息编号：${m.message_id}`;
  const answer = await ask(replay
    ? {title: "重新投递这条消息？", confirm: "重新投递",
      message: `消息将放回原队列 ${m.queue}，由处理程序再处理一次。请确认导致失败的问题已经修复。\n\n${what}`}
    : {title: "丢弃这条消息？", confirm: "丢弃", danger: true,
      message: `消息将从死信队列中删除，不再处理，也无法恢复。\n\n${what}`});
  if (answer === null) return;
  const path = replay ? "/api/v1/dead-letters/replay" : "/api/v1/dead-letters/discard";
  const done = await withButton(button, replay ? "正在投递…" : "正在丢弃…",
    () => api("POST", path, {queue: m.queue, message_id: m.message_id}));
  if (!done) return;
  showNotice(replay ? `已重新投递消息 ${m.message_id}，由 ${m.handler} 处理。` : `已丢弃消息 ${m.message_id}。`);
  load();
}

function deadRows(messages) {
  return messages.map((m) => {
    const f = m.failure;
    const replay = el("button", {type: "button", class: "primary small", "data-replay": m.message_id}, "重新投递");
    const discard = el("button", {type: "button", class: "danger small", "data-discard": m.message_id}, "丢弃");
    replay.addEventListener("click", () => act(replay, m, true));
    discard.addEventListener("click", () => act(discard, m, false));
    if (!m.replayable) {
      replay.disabled = true;
      replay.title = "RPC请求的调用方早已超时，不能重新投递";
    }
    return {attrs: {"data-message": m.message_id, "data-queue": m.queue}, cells: [
      m.handler, dash(m.event_type), el("span", {class: "mono small"}, m.message_id),
      f ? String(f.attempts) : "—", f ? formatTime(f.first_failed_at) : "—", f ? formatTime(f.last_failed_at) : "—",
      formatTime(m.dead_lettered_at), errorCell(f), payloadCell(m.payload), el("span", {class: "actions"}, replay, discard),
    ]};
  });
}

function failureRows(failures, withAttempts) {
  return failures.map((f) => ({attrs: {"data-event": f.event_id}, cells: [
    f.handler, dash(f.event_type), el("span", {class: "mono small"}, f.event_id),
    ...(withAttempts ? [String(f.attempts), formatTime(f.first_failed_at)] : []), formatTime(f.last_failed_at),
    el("div", {class: "pre small bad"}, f.last_error), payloadCell(f.payload),
  ]}));
}

function unavailable(lists) {
  const names = [...new Set(lists.flat())];
  const box = $("#messages-unavailable");
  box.hidden = !names.length;
  box.textContent = names.length ? `以下服务没有响应，它们的错误记录暂未列出：${names.join("、")}` : "";
}

async function load() {
  const [dead, gaveUp, retrying] = await Promise.allSettled([
    api("GET", "/api/v1/dead-letters"),
    api("GET", "/api/v1/event-failures?outcome=gave_up"),
    api("GET", "/api/v1/event-failures?outcome=retrying"),
  ]);
  const deadIds = new Set();
  if (dead.status === "fulfilled") {
    const d = dead.value;
    d.messages.forEach((m) => deadIds.add(`${m.event_id}|${m.handler}`));
    $("#dead-count").textContent = `（共 ${d.total} 条${d.total > d.messages.length ? `，列出前 ${d.messages.length} 条` : ""}）`;
    fill($("#dead-list"), d.messages.length
      ? table(["处理程序", "事件", "消息编号", "失败次数", "首次失败", "最近失败", "进入死信", "错误", "内容摘要", ""],
        deadRows(d.messages), "dead-letters")
      : el("p", {class: "empty"}, "死信队列是空的：没有反复处理失败的消息。"));
  } else fill($("#dead-list"), errorBox(dead.reason));
  if (gaveUp.status === "fulfilled") {
    fill($("#gave-up-list"), gaveUp.value.failures.length
      ? table(["处理程序", "事件", "事件编号", "时间", "原因", "内容摘要"], failureRows(gaveUp.value.failures, false), "gave-up")
      : el("p", {class: "empty"}, "没有放弃处理的消息。"));
  } else fill($("#gave-up-list"), errorBox(gaveUp.reason));
  if (retrying.status === "fulfilled") {
    const now = retrying.value.failures.filter((f) => !deadIds.has(`${f.event_id}|${f.handler}`));
    fill($("#retrying-list"), now.length
      ? table(["处理程序", "事件", "事件编号", "失败次数", "首次失败", "最近失败", "错误", "内容摘要"], failureRows(now, true), "retrying")
      : el("p", {class: "empty"}, "没有正在重试的消息。"));
  } else fill($("#retrying-list"), errorBox(retrying.reason));
  unavailable([dead, gaveUp, retrying].filter((r) => r.status === "fulfilled").map((r) => r.value.unavailable || []));
}

$("#messages-refresh").addEventListener("click", (event) => withButton(event.currentTarget, "正在刷新…", load));
load();
