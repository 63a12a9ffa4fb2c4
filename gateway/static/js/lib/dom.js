/* Building the page from data: elements, tables, and how values are written. Data from the API goes
 * into the page as text only (text nodes, attributes), never as HTML. */

export const $ = (selector, root) => (root || document).querySelector(selector);
export const $$ = (selector, root) => Array.from((root || document).querySelectorAll(selector));
export const enc = encodeURIComponent;

/** An element with attributes and children; strings become text nodes, on* attributes listeners. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A table: rows are arrays of cells, or {cells, class, attrs}. */
export function table(headers, rows, cls) {
  return el("table", {class: "list" + (cls ? " " + cls : "")},
    el("thead", null, el("tr", null, headers.map((h) => el("th", null, h)))),
    el("tbody", null, rows.map((row) => {
      const cells = Array.isArray(row) ? row : row.cells;
      const attrs = Array.isArray(row) ? null : {class: row.class, ...(row.attrs || {})};
      return el("tr", attrs, cells.map((c) => el("td", null, c)));
    })));
}

export function fill(target, ...nodes) {
  target.classList.remove("loading");
  target.replaceChildren(...nodes.flat());
}

export function busy(target, text) {
  fill(target, el("p", {class: "busy"}, el("span", {class: "spinner", "aria-hidden": "true"}), text));
}

export function dash(value) {
  return value === null || value === undefined || value === "" ? "—" : String(value);
}

export function score(value) {
  return typeof value === "number" ? value.toFixed(1) : dash(value);
}

/** "2026-03-01T06:12:02.123456+00:00" → "2026-03-01 14:12" in the browser's time zone. */
export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(String(iso).replace(/(\.\d{3})\d+/, "$1"));
  if (isNaN(date)) return String(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}`;
}

export function formatDate(iso) {
  return iso ? formatTime(iso).slice(0, 10) : "—";
}

/** Values of a form's named fields, trimmed; checkboxes as booleans. */
export function formValues(form) {
  const values = {};
  for (const field of form.elements) {
    if (!field.name) continue;
    values[field.name] = field.type === "checkbox" ? field.checked : String(field.value).trim();
  }
  return values;
}

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
