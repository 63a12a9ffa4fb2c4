/* 毕业生资格审核表 of one major, printable; its approve button only when the server offers it. */
import {$, el, table, fill, dash, enc, score, formatDate} from "../lib/dom.js";
import {api, CONFIG} from "../lib/api.js";
import {errorBox, showNotice, withButton} from "../lib/messages.js";
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
    sheet.students.map((s) => [String(s.seq), s.name, dash(s.gender),
      idNumber(s.id_number, `${reviewApi(id)}/graduates/${enc(s.row)}/id-number`),
      ...categories.map((c) => score((s.scores || {})[c])), dash(s.overall_grade), dash(s.conduct_grade),
      dash(s.internship_grade)]), "sheet-table"));
  renderApprovals(review, sheet);
  renderButton(review);
}

function renderApprovals(review, sheet) {
  const school = sheet.approvals.filter((a) => a.level_code === review.school_code);
  const levels = sheet.approvals.filter((a) => a.level_code !== review.school_code);
  const line = (label, list) => el("p", null, `${label}：`, list.length
    ? list.map((a, i) => `${i ? "；" : ""}${dash(a.by)}（${dash(a.org)}）　日期：${formatDate(a.at)}`)
    : "　　　　　　　　日期：");
  $("#approvals").replaceChildren(line("填表人", school), line("审核人", levels));
}

function renderButton(review) {
  const old = $("#major-approve");
  if (old) old.remove();
  const offered = review.actions.find((a) => a.action === "approve_major" && a.major_code === code);
  const major = review.majors.find((m) => m.major_code === code);
  if (!offered) {
    if (major && major.status === "approved" && review.waiting_for === CONFIG.org_code) {
      $("#major-actions").prepend(el("span", {id: "major-approve", class: "ok"}, "本级已审核通过　"));
    }
    return;
  }
  const button = el("button", {type: "button", class: "primary", id: "major-approve", "data-action": "approve_major"},
    "审核通过");
  button.addEventListener("click", async () => {
    const done = await withButton(button, "正在处理…", () => api("POST", `${reviewApi(id)}/majors/${enc(code)}/approve`));
    if (done) {
      showNotice("本专业资格审核表已审核通过。");
      load();
    }
  });
  $("#major-actions").prepend(button);
}

load();
