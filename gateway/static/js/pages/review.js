/* 毕业证书验印审核: one review, its progress, majors, unqualified rows, summary and history. The buttons
 * are the actions the server says the signed-in user may take now (review.actions); work that still
 * blocks an action is shown with the server's reason (review.blocked). */
import {$, el, table, fill, dash, enc, formatTime, formatDate} from "../lib/dom.js";
import {api, CONFIG, vocabulary} from "../lib/api.js";
import {errorBox, showAlert, showNotice, withButton} from "../lib/messages.js";
import {idNumber, reviewApi, reviewTitle, reviewUrl, statusBadge} from "../lib/reviews.js";

// What each action's button says when done, and the hint beside it: wording, not rules.
const AFTER = {
  submit: {done: "已提交，等待上级审核。"},
  approve: {done: "已审核通过。", hint: "审核通过前须先审核通过每个专业的资格审核表。"},
  return: {done: "已退回学校修改。"},
  mark_printed: {done: "已标记证书已打印，请送验印单位验印。", hint: "证书全部打印完成后点击。"},
  stamp: {done: "已验印；学校须在10个工作日内在学籍中标记毕业。", hint: "核对证书并加盖验印章后点击。"},
  mark_graduated: {done: "已标记学籍毕业，证书已发放。", hint: "在学籍系统中将本批学生标记为毕业后点击（验印后10个工作日内）。"},
};

const id = $("#review").dataset.reviewId;
let names = {};
let timer = null;
let actionsKey = null;
let summaryShown = false;

const path = (action) => action.replaceAll("_", "-");

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(refresh, ms);
}

async function refresh() {
  let review;
  try {
    [review, names] = await Promise.all([api("GET", reviewApi(id)), vocabulary()]);
  } catch (err) {
    showAlert(err);
    if (err.status !== 404 && err.status !== 401 && err.status !== 403) schedule(3000);
    return;
  }
  render(review);
  if (review.verification.state === "running") schedule(1000);
  else if (!summaryShown) summary();
}

async function act(button, action, body) {
  const review = await withButton(button, "正在处理…", () => api("POST", `${reviewApi(id)}/${action}`, body));
  if (review) {
    render(review);
    summary();
    return true;
  }
  return false;
}

function actingName(review) {
  if (!review.waiting_for) return null;
  if (review.waiting_for === review.school_code) return review.school_name;
  const level = (review.chain || []).find((o) => o.code === review.waiting_for);
  return level ? level.name : review.waiting_for;
}

function render(review) {
  document.title = `${reviewTitle(review)} 毕业证书验印审核`;
  $("#review-title").textContent = reviewTitle(review);
  $("#review-status").replaceChildren(statusBadge(review.status, names));
  const acting = actingName(review);
  $("#review-waiting").textContent = acting ? `当前办理单位：${acting}` : "";
  renderProgress(review);
  renderActions(review);
  renderMajors(review);
  renderUnqualified(review);
  renderHistory(review);
}

function renderProgress(review) {
  const v = review.verification;
  const pct = v.total ? Math.floor((v.done * 100) / v.total) : 100;
  const bar = $("#progress-bar");
  bar.style.width = `${pct}%`;
  bar.parentNode.setAttribute("role", "progressbar");
  bar.parentNode.setAttribute("aria-valuenow", String(pct));
  $("#progress").classList.toggle("running", v.state === "running");
  $("#progress-text").textContent = v.state === "running"
    ? `正在核验成绩：${v.done} / ${v.total}（${pct}%）`
    : `核验完成（100%）：名单共 ${v.total} 人，合格 ${review.qualified} 人，不合格 ${review.unqualified.length} 人`;
}

function actionButton(action, cls) {
  const button = el("button", {type: "button", class: cls || "primary", id: `${path(action.action)}-button`,
    "data-action": action.action}, action.name);
  button.addEventListener("click", async () => {
    if (await act(button, path(action.action))) showNotice(AFTER[action.action].done);
  });
  return button;
}

function returnForm(action) {
  const reason = el("textarea", {id: "return-reason", rows: "3", required: true,
    placeholder: "请写明退回原因，学校将据此修改（必填）"});
  const back = el("button", {type: "button", class: "danger", id: "return-button", "data-action": action.action},
    action.name);
  back.addEventListener("click", async () => {
    const text = reason.value.trim();
    if (!text) {
      showAlert(new Error("退回时请写明原因，学校将据此修改。"));
      reason.focus();
      return;
    }
    if (await act(back, "return", {reason: text})) showNotice(AFTER.return.done);
  });
  return el("div", {class: "decide"}, el("label", {class: "reason"}, "退回原因", reason), back);
}

function renderActions(review) {
  const key = JSON.stringify([review.status, review.actions, review.blocked, review.verification.state]);
  if (key === actionsKey) return;  // keep what the user is typing while polling
  actionsKey = key;
  const nodes = [];
  const schoolTurn = [...review.actions, ...review.blocked].some((a) => a.action === "submit");
  for (const action of review.actions) {
    if (action.action === "approve_major") continue;  // in the majors' table
    if (action.action === "return") {
      nodes.push(returnForm(action));
      continue;
    }
    nodes.push(el("div", {class: "step"}, actionButton(action),
      AFTER[action.action].hint ? el("span", {class: "hint"}, AFTER[action.action].hint) : null));
  }
  for (const blocked of review.blocked) {
    nodes.push(el("p", {class: "hint blocked", "data-blocked": blocked.action}, `${blocked.name}：${blocked.reason}`));
  }
  if (review.verification.state === "running" && schoolTurn) nodes.push(el("p", {class: "hint"}, "核验完成后才能提交。"));
  if (schoolTurn) nodes.push(el("a", {class: "button", href: "/reviews/new"}, names.actions.rebuild));
  if (review.has_certificates) {
    nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/certificates`, id: "certificates-link"},
      "查看证书编号"));
    nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/print`, id: "print-link"}, "打印证书与表格"));
  }
  $("#actions").replaceChildren(...nodes);
}

function renderMajors(review) {
  const target = $("#majors");
  if (!review.majors.length) {
    const text = review.verification.state === "running" ? "正在核验，合格学生会按专业列在这里。" : "没有合格的毕业生。";
    return fill(target, el("p", {class: "empty"}, text));
  }
  const approvable = new Map(review.actions.filter((a) => a.action === "approve_major").map((a) => [a.major_code, a]));
  const acting = review.waiting_for === CONFIG.org_code ? "" : actingName(review) || "";
  const pendingText = acting ? `待${acting}审核` : "待审核";
  fill(target, table(["专业代码", "专业名称", "合格人数", "状态", "操作"], review.majors.map((m) => {
    const ops = [el("a", {class: "button small", href: `${reviewUrl(review.id)}/majors/${enc(m.major_code)}`},
      "查看资格审核表")];
    const action = approvable.get(m.major_code);
    if (action) {
      const button = el("button", {type: "button", class: "small primary", "data-major": m.major_code,
        "data-action": "approve_major"}, "审核通过");
      button.addEventListener("click", async () => {
        if (await act(button, `majors/${enc(m.major_code)}/approve`)) {
          showNotice(`${m.major_name}专业资格审核表已审核通过。`);
        }
      });
      ops.push(button);
    }
    return [m.major_code, m.major_name, String(m.qualified),
      el("span", {class: m.status === "approved" ? "ok" : "warn"}, m.status === "approved" ? "已审核" : pendingText),
      ops];
  }), "majors"));
}

function renderUnqualified(review) {
  const list = review.unqualified;
  $("#unqualified-count").textContent = `（${list.length} 人）`;
  if (!list.length) {
    const text = review.verification.state === "running" ? "正在核验…" : "没有不合格的学生。";
    return fill($("#unqualified"), el("p", {class: "empty"}, text));
  }
  fill($("#unqualified"), table(["行号", "姓名", "身份证号", "原因"], list.map((u) => [
    String(u.row),
    el("a", {href: `${reviewUrl(review.id)}/graduates/${enc(u.row)}`}, dash(u.name)),
    idNumber(u.id_number, `${reviewApi(review.id)}/graduates/${enc(u.row)}/id-number`),
    (u.reasons || []).map((reason) => el("div", {class: "reason-line"}, reason)),
  ]), "unqualified"));
}

function renderHistory(review) {
  const stateName = (s) => (names.states || {})[s] || dash(s);
  const rows = review.history.slice().reverse().map((h) => [
    formatTime(h.at), dash(h.by), dash(h.org), (names.actions || {})[h.action] || dash(h.action),
    h.from ? stateName(h.from) : "—", stateName(h.to), h.reason ? el("div", {class: "pre"}, h.reason) : "",
  ]);
  fill($("#history"), rows.length ? table(["时间", "操作人", "单位", "操作", "从", "到", "原因"], rows, "history")
    : el("p", {class: "empty"}, "暂无记录。"));
}

async function summary() {
  summaryShown = true;
  const target = $("#summary");
  let data;
  try {
    data = await api("GET", `${reviewApi(id)}/summary`);
  } catch (err) {
    return fill(target, errorBox(err));
  }
  const rows = data.majors.map((m) => [m.code, m.name, m.years ? `${m.years}年` : "—", dash(m.level),
    String(m.listed), String(m.qualified)]);
  rows.push({class: "total", cells: ["合计", "", "", "", String(data.totals.listed), String(data.totals.qualified)]});
  const nodes = [table(["专业代码", "专业名称", "学制", "学历层次", "名单人数", "合格人数"], rows, "summary")];
  const op = data.operator;
  nodes.push(el("p", null, "学校经办人：", op ? `${dash(op.name)}（电话 ${dash(op.phone)}）` : "尚未提交",
    data.submitted_at ? `　提交时间：${formatTime(data.submitted_at)}` : ""));
  if (data.approvals.length) {
    nodes.push(el("p", null, "审核：", data.approvals.map((a, i) =>
      `${i ? "；" : ""}${dash(a.org)} ${dash(a.by)}（${formatDate(a.at)}）`)));
  }
  fill(target, nodes);
}

refresh();
