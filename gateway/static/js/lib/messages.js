/* Telling the user what happened: errors with their rows, notices, buttons that show work, and
 * questions asked before an act that cannot be undone. */
import {$, el, enc, table, dash} from "./dom.js";

function loginLink() {
  return el("a", {href: `/login?next=${enc(location.pathname)}`}, "重新登录");
}

/** The row errors of a refused file, without a repeat of the error's own message. */
export function rowErrors(err) {
  return (err.details || []).filter((d) => d && typeof d === "object" && "row" in d && d.message !== err.message);
}

/** The error as a box: its message, a sign-in link on 401, and row errors as a table (scrolling when
 * long, with a download of the list for the clerk to work through). */
export function errorBox(err) {
  const box = el("div", {class: "error", role: "alert"}, el("p", null, err.message || String(err)));
  if (err.status === 401) box.append(el("p", null, loginLink()));
  const rows = rowErrors(err);
  if (rows.length) {
    const cells = rows.map((d) => [dash(d.row), dash(d.column), dash(d.message)]);
    box.append(el("p", null, `共 ${rows.length} 处问题：`, annotatedLink(err.annotatedFile), " ", downloadLink(rows)),
      annotatedHint(err.annotatedFile),
      el("div", {class: rows.length > 15 ? "scroll-box" : null}, table(["行", "列", "问题"], cells, "errors rows long")));
  }
  return box;
}

/** The clerk's own file with the bad cells marked: fix it there and import it as it is. */
function annotatedLink(file) {
  if (!file) return null;
  return el("a", {href: file.url, download: file.filename, class: "button small", id: "annotated-download"},
    "下载标注了错误的原文件");
}

function annotatedHint(file) {
  if (!file) return null;
  const saved = file.converted ? "原文件的格式不能标颜色，已另存为Excel工作簿(.xlsx)。" : "";
  return el("p", {class: "hint", id: "annotated-hint"}, `${saved}出错的单元格标为红色，每行的错误写在最后的“错误说明”列；`
    + "在这个文件里改好后，直接重新导入即可（文件保留一天）。");
}

function downloadLink(rows) {
  const quote = (v) => `"${String(v === null || v === undefined ? "" : v).replaceAll('"', '""')}"`;
  const csv = ["行,列,问题", ...rows.map((d) => [d.row, d.column, d.message].map(quote).join(","))].join("\r\n");
  const url = URL.createObjectURL(new Blob(["\ufeff", csv], {type: "text/csv;charset=utf-8"}));
  return el("a", {href: url, download: "导入问题清单.csv", class: "button small", id: "errors-download"}, "下载问题清单");
}

export function showAlert(err) {
  const alert = $("#alert");
  $("#notice").hidden = true;
  alert.replaceChildren(...errorBox(err).childNodes);
  alert.hidden = false;
  alert.scrollIntoView({block: "nearest"});
}

export function showNotice(text) {
  const notice = $("#notice");
  $("#alert").hidden = true;
  notice.textContent = text;
  notice.hidden = false;
  notice.scrollIntoView({block: "nearest"});
}

export function clearMessages() {
  $("#alert").hidden = true;
  $("#notice").hidden = true;
}

/** Run a request from a button: the button shows work, errors go to the alert; null on failure. */
export async function withButton(button, text, work) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = text;
  clearMessages();
  try {
    return await work();
  } catch (err) {
    showAlert(err);
    return null;
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/**
 * A modal form: a title, an optional message, fields, confirm and cancel. Fields are
 * {name, label, type: "text"|"textarea"|"checkbox"|"select"|"date"|"password", value, options: [[value, text]],
 * required, placeholder}. Resolves to {name: value} (checkboxes as booleans, text trimmed), or null.
 */
export function formDialog({title, message, fields = [], confirm = "确定", danger = false}) {
  return new Promise((resolve) => {
    const inputs = fields.map((f) => {
      const id = `dialog-${f.name}`;
      let input;
      if (f.type === "textarea") input = el("textarea", {id, name: f.name, rows: "3", placeholder: f.placeholder || ""});
      else if (f.type === "select") {
        input = el("select", {id, name: f.name}, (f.options || []).map(([v, t]) => el("option", {value: v}, t)));
      } else input = el("input", {id, name: f.name, type: f.type || "text", placeholder: f.placeholder || ""});
      if (f.type === "checkbox") input.checked = Boolean(f.value);
      else if (f.value !== undefined && f.value !== null) input.value = f.value;
      return {field: f, input};
    });
    const problem = el("p", {class: "error", hidden: true});
    const ok = el("button", {type: "submit", class: danger ? "danger" : "primary", id: "dialog-confirm"}, confirm);
    const cancel = el("button", {type: "button", id: "dialog-cancel"}, "取消");
    const form = el("form", {method: "dialog"},
      el("h2", null, title), message ? el("p", {class: "pre"}, message) : null,
      inputs.map(({field, input}) => el("label", {class: field.type === "checkbox" ? "check" : null},
        field.type === "checkbox" ? [input, field.label] : [field.label, input])),
      problem, el("p", {class: "actions"}, ok, cancel));
    const dialog = el("dialog", {class: "ask"}, form);
    const close = (value) => {
      dialog.close();
      dialog.remove();
      resolve(value);
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const values = {};
      for (const {field, input} of inputs) {
        values[field.name] = field.type === "checkbox" ? input.checked : input.value.trim();
        if (field.required && !values[field.name]) {
          problem.textContent = `请填写${field.label}`;
          problem.hidden = false;
          input.focus();
          return;
        }
      }
      close(values);
    });
    cancel.addEventListener("click", () => close(null));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      close(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    (inputs.length ? inputs[0].input : ok).focus();
  });
}

/** Ask before acting, with an optional reason: resolves to the text typed ("" without a field), or null. */
export async function ask({title, message, confirm = "确定", danger = false, field = null}) {
  const fields = field ? [{name: "text", label: field.label, type: field.multiline ? "textarea" : "text",
    required: field.required, placeholder: field.placeholder, value: field.value}] : [];
  const values = await formDialog({title, message, fields, confirm, danger});
  return values === null ? null : (values.text || "");
}
