/* 毕业生资格审核表 of one major, printable. Its approve and return buttons stay at the top of the page
 * and show only when the server offers them; the header row stays in view; names lead to the grades. */
import {$, el, table, fill, dash, enc, score, formatDate} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {ask, errorBox, showNotice, withButton} from "../lib/messages.js";
import {idNumber, reviewApi} from "../lib/reviews.js";

const root = $("#major");
const id = root.dataset.reviewId;
const code = root.dataset.majorCode;

async function load() {
  let review;
  let sheet;
  try {
    [review, sheet] = await Promise.all([api("GET", reviewApi(id)), api("GET", `${reviewApi(id)}/majors/${enc(code)}`)]);
  } catch (err) {
    fill($("#major-table"), errorBox(err));
    return;
  }
  document.title = `${sheet.major_name}毕业生资格审核表`;
  $("#major-title").textContent = `${sheet.school_name} ${sheet.year}年${sheet.season}${sheet.kind === "补验印" ? "补验印" : ""}毕业生资格审核表`;
  $("#major-sub").textContent = `专业：${sheet.major_name}（${sheet.major_code}）　学制：${dash(sheet.schooling_years)}年　合格人数：${sheet.students.length}人`;
  const categories = sheet.categories || [];  // in the forms' order, as served
  fill($("#major-table"), table(
    ["序号", "姓名", "性别", "身份证号", ...categories, "毕业成绩总评", "操行总评", "实习成绩"],
    sheet.students.map((s) => [String(s.seq), el("a", {href: `/reviews/${enc(id)}/graduates/${enc(s.row)}`}, s.name),
      dash(s.gender),
      idNumber(s.id_number, `${reviewApi(id)}/graduates/${enc(s.row)}/id-number`),
      ...categories.map((c) => score((s.scores || {})[c])), dash(s.overall_grade), dash(s.conduct_grade),
      dash(s.internship_grade)]), "sheet-table"));
  renderApprovals(review, sheet);
  renderButton(review, sheet);
}

function renderApprovals(review, sheet) {
  const school = sheet.approvals.filter((a) => a.level_code === review.school_code);
  const levels = sheet.approvals.filter((a) => a.level_code !== review.school_code);
  const line = (label, list) => el("p", null, `${label}：`, list.length
    ? list.map((a, i) => `${i ? "；" : ""}${dash(a.by)}（${dash(a.org)}）　日期：${formatDate(a.at)}`)
    : "　　　　　　　　日期：");
  $("#approvals").replaceChildren(line("填表人", school), line("审核人", levels));
}

function renderButton(review, sheet) {
  for (const old of document.querySelectorAll("#major-actions [data-action]")) old.remove();
  const major = review.majors.find((m) => m.major_code === code);
  $("#major-state").textContent = major ? `本表状态：${major.status_name}` : "";
  const bar = $("#major-actions");
  const approve = review.actions.find((a) => a.action === "approve_major" && a.major_code === code);
  if (approve) {
    const button = el("button", {type: "button", class: "primary", id: "major-approve", "data-action": "approve_major"},
      approve.name);
    button.addEventListener("click", async () => {
      if (await ask({title: `${approve.name}？`, confirm: approve.name,
        message: `${sheet.major_name}（${code}）共 ${sheet.students.length} 人。`}) === null) return;
      const done = await withButton(button, "正在处理…", () => api("POST", `${reviewApi(id)}/majors/${enc(code)}/approve`));
      if (done) {
        showNotice(`本专业资格审核表：${approve.name}，已完成。`);
        load();
      }
    });
    bar.prepend(button);
  }
  const back = review.actions.find((a) => a.action === "return");
  if (back) {
    const button = el("button", {type: "button", class: "danger", id: "major-return", "data-action": "return"}, back.name);
    button.addEventListener("click", async () => {
      const reason = await ask({title: "退回学校修改", danger: true, confirm: "退回",
        message: "退回的是整个毕业审核：学校修改后须重新确认各专业资格审核表再提交。",
        field: {label: "退回原因（学校将据此修改）", required: true, multiline: true, value: `${sheet.major_name}专业：`}});
      if (reason === null) return;
      const done = await withButton(button, "正在处理…", () => api("POST", `${reviewApi(id)}/return`, {reason}));
      if (done) {
        showNotice("已退回学校修改。");
        load();
      }
    });
    bar.append(button);
  }
}

load();
