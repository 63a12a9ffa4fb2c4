/* 毕业证书验印审核: one review, its progress, majors, unqualified rows, summary and history. The buttons
 * are the actions the server says the signed-in user may take now (review.actions); work that still
 * blocks an action is shown with the server's reason (review.blocked). */
import {$, el, table, fill, dash, enc, formatTime, formatDate} from "../lib/dom.js";
import {api, vocabulary} from "../lib/api.js";
import {ask, errorBox, formDialog, showAlert, showNotice, withButton} from "../lib/messages.js";
import {idNumber, reviewApi, reviewTitle, reviewUrl, statusBadge} from "../lib/reviews.js";

// What each action's confirmation says and what the page says when it is done: wording, not rules.
const AFTER = {
  submit: "已提交，等待上级审核。",
  approve: "已审核通过。",
  return: "已退回学校修改。",
  mark_printed: "已标记证书已打印，请送验印单位验印。",
  stamp: "已验印；学校须在10个工作日内在学籍中标记毕业。",
  mark_graduated: "已标记学籍毕业，证书已发放。",
  reverify: "已开始重新核验，进度见上方。",
};

const id = $("#review").dataset.reviewId;
let names = {};
let current = null;
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
    if (review.verification.state === "running") schedule(1000);
    return true;
  }
  return false;
}

function nextLevel(review) {
  const chain = review.chain || [];
  return chain[chain.findIndex((o) => o.code === review.waiting_for) + 1] || null;
}

/** What the confirmation says an action will do, from the review as it is now. */
function consequence(review, action, major) {
  const unqualified = review.unqualified.length;
  switch (action.action) {
    case "submit":
      return `${review.qualified} 人进入验印，${unqualified} 人不合格，提交给${(review.chain[0] || {}).name || "上级"}。` +
        "提交后不能再修改名单和各专业资格审核表，除非审核单位退回。";
    case "approve": {
      const next = nextLevel(review);
      return next ? `${review.qualified} 人的名单审核通过，提交给${next.name}审核。`
        : `省级审核通过后，系统将为 ${review.qualified} 人发放毕业证书编号，此后名单不能再修改。`;
    }
    case "approve_major":
      return `${major.major_name}（${major.major_code}）共 ${major.qualified} 人：${action.name}。`;
    case "mark_printed":
      return "确认本批证书已全部打印完成？之后由验印单位验印。";
    case "stamp":
      return "确认已核对证书并加盖验印章？验印后学校须在10个工作日内在学籍中标记毕业。";
    case "mark_graduated":
      return "确认已在学籍系统中将本批学生标记为毕业？";
    default:
      return "";
  }
}

function actionButton(review, action) {
  const button = el("button", {type: "button", class: "primary", id: `${path(action.action)}-button`,
    "data-action": action.action}, action.name);
  button.addEventListener("click", async () => {
    if (action.action === "return") return returnReview(button, action);
    if (action.action === "reverify") return reverify(button, action);
    if (await ask({title: `${action.name}？`, message: consequence(current, action), confirm: action.name}) === null) return;
    if (await act(button, path(action.action))) showNotice(AFTER[action.action]);
  });
  return button;
}

async function returnReview(button, action) {
  const reason = await ask({title: "退回学校修改", danger: true, confirm: "退回",
    message: "退回后学校须修改，并重新确认各专业资格审核表后再提交；本轮各级的审核通过记录将作废。",
    field: {label: "退回原因（学校将据此修改）", required: true, multiline: true}});
  if (reason === null) return;
  if (await act(button, "return", {reason})) showNotice(AFTER.return);
}

async function reverify(button, action) {
  const values = await formDialog({title: action.name, confirm: "开始重新核验",
    message: "按目前的学籍和成绩重新核验名单中的学生，名单行号不变。重新核验后各专业资格审核表须重新确认。",
    fields: [{name: "scope", label: "核验范围", type: "select",
      options: [["unqualified", `只核验不合格的学生（${current.unqualified.length}人）`], ["all", "核验名单中的全部学生"]]}]});
  if (values === null) return;
  if (await act(button, "reverify", {scope: values.scope})) showNotice(AFTER.reverify);
}

function actingText(review) {
  return review.acting_name ? `当前办理单位：${review.acting_name}` : "";
}

function render(review) {
  current = review;
  document.title = `${reviewTitle(review)} 毕业证书验印审核`;
  $("#review-title").textContent = reviewTitle(review);
  $("#review-status").replaceChildren(statusBadge(review.status, names, review.status_name));
  $("#review-waiting").textContent = actingText(review);
  renderReturned(review);
  renderNextStep(review);
  renderProgress(review);
  renderActions(review);
  renderChanged(review);
  renderMajors(review);
  renderUnqualified(review);
  renderHistory(review);
}

function renderReturned(review) {
  const box = $("#returned");
  const back = review.returned;
  box.hidden = !back;
  if (!back) return;
  box.replaceChildren(
    el("strong", null, `已被${dash(back.org)}退回修改`), `（${dash(back.by)}，${formatTime(back.at)}）`,
    el("p", {class: "pre reason-text"}, back.reason),
    el("p", {class: "hint"}, "退回后各专业资格审核表须重新确认；修改学籍或补录成绩后请点击“重新核验”，然后重新提交。"));
}

function renderNextStep(review) {
  const mine = review.actions.filter((a) => a.action !== "approve_major");
  const tables = review.actions.filter((a) => a.action === "approve_major");
  let text = "";
  if (review.verification.state === "running") text = "正在核验成绩，请稍候。";
  else if (tables.length) {
    const then = [...mine, ...review.blocked].filter((a) => !["return", "reverify"].includes(a.action))
      .map((a) => a.name).join("、");
    text = `下一步：逐个${tables[0].name}（还有 ${tables.length} 个专业）${then ? `，然后${then}` : ""}。`;
  } else if (mine.length) text = `下一步：${mine.map((a) => a.name).join(" 或 ")}。`;
  else if (review.acting_name) text = `等待${review.acting_name}办理。`;
  $("#next-step").textContent = text;
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

function reimportLink(review) {
  const query = new URLSearchParams({year: review.year, season: review.season, kind: review.kind, rebuild: "1"});
  return el("a", {class: "button", id: "reimport-link", href: `/reviews/new?${query}`}, names.actions.rebuild);
}

function renderActions(review) {
  const key = JSON.stringify([review.status, review.actions, review.blocked, review.verification.state]);
  if (key === actionsKey) return;
  actionsKey = key;
  const nodes = [];
  const schoolTurn = [...review.actions, ...review.blocked].some((a) => a.action === "submit");
  for (const action of review.actions) {
    if (action.action !== "approve_major") nodes.push(actionButton(review, action));
  }
  for (const blocked of review.blocked) {
    nodes.push(el("p", {class: "hint blocked", "data-blocked": blocked.action}, `${blocked.name}：${blocked.reason}`));
  }
  if (schoolTurn) nodes.push(reimportLink(review));
  if (review.has_certificates) {
    nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/certificates`, id: "certificates-link"},
      "查看证书编号"));
    nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/print`, id: "print-link"}, "打印证书与表格"));
  }
  $("#actions").replaceChildren(...nodes);
}

const VERDICTS = {qualified: "合格", unqualified: "不合格"};

function renderChanged(review) {
  const list = review.changed || [];
  if (!list.length) return $("#changed").replaceChildren();
  $("#changed").replaceChildren(el("h3", null, `重新核验后结果有变化的学生（${list.length} 人）`),
    table(["行号", "姓名", "原结果", "现结果", "原因"], list.map((c) => ({
      class: c.to === "qualified" ? "now-ok" : "bad",
      cells: [String(c.row), el("a", {href: `${reviewUrl(review.id)}/graduates/${enc(c.row)}`}, c.name),
        VERDICTS[c.from] || dash(c.from), VERDICTS[c.to] || dash(c.to),
        (c.reasons || []).map((r) => el("div", {class: "reason-line"}, r))],
    })), "changed"));
}

function renderMajors(review) {
  const target = $("#majors");
  if (!review.majors.length) {
    const text = review.verification.state === "running" ? "正在核验，合格学生会按专业列在这里。" : "没有合格的毕业生。";
    return fill(target, el("p", {class: "empty"}, text));
  }
  const approvable = new Map(review.actions.filter((a) => a.action === "approve_major").map((a) => [a.major_code, a]));
  fill(target, table(["专业代码", "专业名称", "合格人数", "状态", "操作"], review.majors.map((m) => {
    const ops = [el("a", {class: "button small", href: `${reviewUrl(review.id)}/majors/${enc(m.major_code)}`},
      "查看资格审核表")];
    const action = approvable.get(m.major_code);
    if (action) {
      const button = el("button", {type: "button", class: "small primary", "data-major": m.major_code,
        "data-action": "approve_major"}, action.name);
      button.addEventListener("click", async () => {
        if (await ask({title: `${action.name}？`, message: consequence(current, action, m), confirm: action.name}) === null) {
          return;
        }
        if (await act(button, `majors/${enc(m.major_code)}/approve`)) showNotice(`${m.major_name}：${action.name}，已完成。`);
      });
      ops.push(button);
    }
    return [m.major_code, m.major_name, String(m.qualified),
      el("span", {class: m.status === "approved" ? "ok" : "warn"}, m.status_name), ops];
  }), "majors"));
}

function renderUnqualified(review) {
  const list = review.unqualified;
  $("#unqualified-count").textContent = `（${list.length} 人）`;
  if (!list.length) {
    const text = review.verification.state === "running" ? "正在核验…" : "没有不合格的学生。";
    return fill($("#unqualified"), el("p", {class: "empty"}, text));
  }
  const rows = table(["行号", "姓名", "身份证号", "原因"], list.map((u) => [
    String(u.row),
    el("a", {href: `${reviewUrl(review.id)}/graduates/${enc(u.row)}`}, dash(u.name)),
    idNumber(u.id_number, `${reviewApi(review.id)}/graduates/${enc(u.row)}/id-number`),
    (u.reasons || []).map((reason) => el("div", {class: "reason-line"}, reason)),
  ]), "unqualified long");
  fill($("#unqualified"), list.length > 20 ? el("div", {class: "scroll-box"}, rows) : rows);
}

// The review's own moves stay in view; the per-major confirmations and approvals on request.
const TABLE_ACTIONS = ["approve_major", "confirm_major"];

function renderHistory(review) {
  const stateName = (s) => (names.states || {})[s] || dash(s);
  const all = $("#history-all").checked;
  const shown = review.history.slice().reverse().filter((h) => all || !TABLE_ACTIONS.includes(h.action));
  const rows = shown.map((h) => ({
    class: h.action === "return" ? "history-return" : null,
    cells: [formatTime(h.at), dash(h.by), dash(h.org), (names.actions || {})[h.action] || dash(h.action),
      h.from && h.from !== h.to ? `${stateName(h.from)} → ${stateName(h.to)}` : stateName(h.to),
      h.reason ? el("div", {class: "pre"}, h.reason) : ""],
  }));
  fill($("#history"), rows.length ? table(["时间", "操作人", "单位", "操作", "状态", "说明"], rows, "history")
    : el("p", {class: "empty"}, "暂无记录。"));
}

$("#history-all").addEventListener("change", () => current && renderHistory(current));

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
