/* 学校数据导入: the registry, course plans, grades and photos. Each import answers beside its button in
 * one line and in full in the outcome panel above the forms, which is brought into view. */
import {$, $$, el, table, fill, busy, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox, rowErrors} from "../lib/messages.js";

const TITLES = {students: "学籍", "course-plans": "课程设置", grades: "成绩", photos: "照片"};

// Imports over existing data are first tried as a dry run and shown; they are stored on confirmation.
const PREVIEWED = new Set(["students", "course-plans", "grades"]);
const SHOWN_TITLES = {ok: "导入成功", bad: "导入未成功", preview: "导入前请核对"};

function outcome(kind, state, ...nodes) {
  const panel = $("#import-outcome");
  panel.hidden = false;
  panel.className = `card outcome-${state}`;
  $("#import-outcome-title").textContent = `${TITLES[kind]}${SHOWN_TITLES[state]}（${new Date().toLocaleTimeString("zh-CN")}）`;
  fill($("#import-outcome-body"), ...nodes.flat().filter(Boolean));
  panel.scrollIntoView({block: "start"});
}

/** Whether the import would change or remove stored data: then the clerk sees it before it is done
 * (new rows and rows as they were go in at once). */
function changesStoredData(changes) {
  return Boolean(changes) && (changes.changed > 0 || (changes.missing_action === "removed" && changes.missing > 0));
}

function listed(title, count, items, headers, cells) {
  if (!count) return null;
  const more = count > items.length ? `（只列出前 ${items.length} 条）` : "";
  return [el("h3", null, `${title} ${count} 条${more}`),
    el("div", {class: items.length > 15 ? "scroll-box" : null}, table(headers, items.map(cells), "changes"))];
}

/** What a dry run found: counts, then the new, changed (old → new) and missing records. */
function changesView(changes) {
  const items = changes.items || {};
  const missingFate = changes.missing_action === "removed" ? "导入后将被删除" : "保留不变";
  return [
    el("p", {id: "changes-summary"}, `新增 ${changes.new} 条，修改 ${changes.changed} 条，不变 ${changes.unchanged} 条；`
      + `系统中已有、文件中没有的 ${changes.missing} 条${missingFate}。`),
    listed("修改", changes.changed, items.changed || [], ["行", "记录", "修改内容（原 → 新）"], (c) => [dash(c.row), c.label,
      c.fields.map((f) => `${f.column}：${dash(f.old)} → ${dash(f.new)}`).join("；")]),
    listed("新增", changes.new, items.new || [], ["行", "记录"], (c) => [dash(c.row), c.label]),
    listed(`文件中没有（${missingFate}）`, changes.missing, items.missing || [], ["记录"], (c) => [c.label]),
  ].flat().filter(Boolean);
}

function changedNote(data) {
  const c = data.changes;
  return c ? el("p", {class: "hint"}, `新增 ${c.new} 条，修改 ${c.changed} 条，不变 ${c.unchanged} 条。`) : null;
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
  const url = `/api/v1/schools/${enc(school)}/${kind}`;
  button.disabled = true;
  try {
    if (PREVIEWED.has(kind)) {
      busy(result, "正在检查文件…");
      data.set("dry_run", "true");
      const tried = await api("POST", url, data);
      data.delete("dry_run");
      if (changesStoredData(tried.changes)) {
        fill(result, el("p", {class: "warn"}, "尚未导入：请在页面上方核对将要修改的内容，确认后导入。"));
        outcome(kind, "preview", ...changesView(tried.changes), ignoredNote(tried),
          el("p", {class: "actions"},
            el("button", {type: "button", class: "primary", id: "confirm-import", onclick: () => store(kind, url, data, result, button)}, "确认导入"),
            " ",
            el("button", {type: "button", id: "cancel-import", onclick: () => cancel(result)}, "取消")));
        return;
      }
    }
    await store(kind, url, data, result, button);
  } catch (err) {
    refused(kind, err, result);
  } finally {
    button.disabled = false;
  }
}

async function store(kind, url, data, result, button) {
  busy(result, kind === "photos" ? "正在上传照片，请稍候…" : "正在导入…");
  button.disabled = true;
  for (const b of $$("#import-outcome button")) b.disabled = true;
  try {
    const answer = await api("POST", url, data);
    const nodes = [importResult(kind, answer), changedNote(answer), ignoredNote(answer)].flat().filter(Boolean);
    fill(result, nodes[0].cloneNode(true));
    outcome(kind, "ok", ...nodes);
  } catch (err) {
    refused(kind, err, result);
  } finally {
    button.disabled = false;
  }
}

function cancel(result) {
  $("#import-outcome").hidden = true;
  fill(result, el("p", {class: "hint"}, "已取消，未导入。"));
}

function refused(kind, err, result) {
  const problems = rowErrors(err).length;
  fill(result, el("p", {class: "bad"}, problems ? `未导入：有 ${problems} 处问题，见页面上方的清单。` : `未导入：${err.message}`));
  outcome(kind, "bad", errorBox(err));
}

for (const form of $$("form.import")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitImport(form);
  });
}
