/* 学校数据导入: the registry, course plans, grades and photos. Each import answers beside its button in
 * one line and in full in the outcome panel above the forms, which is brought into view. */
import {$, $$, el, table, fill, busy, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox, rowErrors} from "../lib/messages.js";

const TITLES = {students: "学籍", "course-plans": "课程设置", grades: "成绩", photos: "照片"};

function outcome(kind, ok, ...nodes) {
  const panel = $("#import-outcome");
  panel.hidden = false;
  panel.className = `card ${ok ? "outcome-ok" : "outcome-bad"}`;
  $("#import-outcome-title").textContent = `${TITLES[kind]}导入${ok ? "成功" : "未成功"}（${new Date().toLocaleTimeString("zh-CN")}）`;
  fill($("#import-outcome-body"), ...nodes);
  panel.scrollIntoView({block: "start"});
}

function importResult(kind, data) {
  if (kind === "photos") {
    const nodes = [el("p", {class: "ok"}, `已接收 ${data.accepted} 张照片。`)];
    const rejected = data.rejected || [];
    if (rejected.length) {
      nodes.push(el("p", {class: "warn"}, `有 ${rejected.length} 个文件未通过：`),
        table(["文件", "问题"], rejected.map((r) => [dash(r.file), dash(r.message)]), "errors"));
    }
    return nodes;
  }
  if (kind === "students") {
    return el("p", {class: "ok"}, `导入成功：共 ${data.imported} 行，新增 ${data.added} 人，更新 ${data.updated} 人。`);
  }
  const what = kind === "grades" ? "条成绩" : "行课程设置";
  return el("p", {class: "ok"}, `导入成功：共 ${data.imported} ${what}。`);
}

/** The columns of the file the import did not use, named so the clerk knows they were not read. */
function ignoredNote(data) {
  const ignored = data.ignored_columns || [];
  return ignored.length ? el("p", {class: "hint"}, `文件中模板没有的列未导入：${ignored.join("、")}`) : null;
}

async function submitImport(form) {
  const kind = form.dataset.kind;
  const school = form.closest("[data-school]").dataset.school;
  const result = $(".result", form);
  const button = $("button[type=submit]", form);
  const data = new FormData(form);
  if (kind === "grades") {
    const course = String(data.get("course") || "").trim();
    const term = String(data.get("term") || "");
    if (Boolean(course) !== Boolean(term)) {
      fill(result, errorBox(new Error("按班级和课程导入时，请同时填写课程名称和学期；导入全校成绩表时两项都不填。")));
      return;
    }
    if (!course) {
      data.delete("course");
      data.delete("term");
    } else {
      data.set("course", course);
    }
  }
  busy(result, kind === "photos" ? "正在上传照片，请稍候…" : "正在导入…");
  button.disabled = true;
  try {
    const answer = await api("POST", `/api/v1/schools/${enc(school)}/${kind}`, data);
    const nodes = [importResult(kind, answer), ignoredNote(answer)].flat().filter(Boolean);
    fill(result, nodes[0].cloneNode(true));
    outcome(kind, true, ...nodes);
  } catch (err) {
    const problems = rowErrors(err).length;
    fill(result, el("p", {class: "bad"}, problems ? `未导入：有 ${problems} 处问题，见页面上方的清单。` : `未导入：${err.message}`));
    outcome(kind, false, errorBox(err));
  } finally {
    button.disabled = false;
  }
}

for (const form of $$("form.import")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitImport(form);
  });
}
