/* 机构管理: the organisation tree with each school's review chain and stamping unit; the province admin
 * creates organisations and edits their name, review role, stamping-unit code and contact. */
import {$, el, table, fill, dash, enc, formValues} from "../lib/dom.js";
import {api, CONFIG, vocabulary} from "../lib/api.js";
import {errorBox, formDialog, showNotice, withButton} from "../lib/messages.js";

let names = {};
let orgs = [];

/** Each organisation's ancestors within the list, so the tree reads in order and indented. */
function placeInTree(list) {
  const byCode = new Map(list.map((o) => [o.code, o]));
  for (const o of list) {
    const trail = [o.code];
    for (let p = byCode.get(o.parent_code); p; p = byCode.get(p.parent_code)) trail.unshift(p.code);
    o.trail = trail.join("/");
    o.depth = trail.length - 1;
  }
  return list.sort((a, b) => a.trail.localeCompare(b.trail));
}

function chainText(org) {
  if (org.kind !== "school") return "";
  const chain = (org.review_chain || []).map((o) => o.name).join(" → ");
  const unit = org.stamping_unit ? `；验印：${org.stamping_unit.name}（${org.stamping_unit.code}）` : "；未找到验印单位";
  return `${chain || "—"}${unit}`;
}

function render() {
  const words = $("#org-filter").value.trim();
  const shown = orgs.filter((o) => !words || o.name.includes(words) || o.code.includes(words));
  if (!shown.length) return fill($("#org-list"), el("p", {class: "empty"}, "没有符合条件的机构。"));
  const headers = ["机构代码", "名称", "类型", "参与毕业审核", "验印单位编号", "联系人", "审核链（学校）"];
  if (CONFIG.administers_orgs) headers.push("");
  fill($("#org-list"), table(headers, shown.map((o) => ({
    attrs: {"data-org": o.code},
    cells: [o.code, el("span", {style: `padding-left: ${o.depth * 1.5}em`}, o.name), names.org_kinds[o.kind] || o.kind,
      o.kind === "school" ? "—" : (o.reviews_graduation ? "是" : "否"), dash(o.stamping_unit_code),
      o.contact_name ? `${o.contact_name} ${o.contact_phone || ""}` : "—", chainText(o),
      ...(CONFIG.administers_orgs ? [editButton(o)] : [])],
  })), "orgs"));
}

function editButton(org) {
  const button = el("button", {type: "button", class: "small", "data-edit": org.code}, "修改");
  button.addEventListener("click", async () => {
    const fields = [
      {name: "name", label: "机构名称", value: org.name, required: true},
      ...(org.kind === "school" ? [] : [{name: "reviews_graduation", label: "参与毕业审核", type: "checkbox",
        value: org.reviews_graduation}]),
      {name: "stamping_unit_code", label: "验印单位编号（2位，不是验印单位请留空）", value: org.stamping_unit_code || ""},
      {name: "contact_name", label: "联系人", value: org.contact_name || ""},
      {name: "contact_phone", label: "联系电话", value: org.contact_phone || ""},
    ];
    const values = await formDialog({title: `修改机构：${org.name}（${org.code}）`, fields, confirm: "保存"});
    if (values === null) return;
    values.stamping_unit_code = values.stamping_unit_code || null;
    const saved = await withButton(button, "正在保存…", () => api("PATCH", `/api/v1/orgs/${enc(org.code)}`, values));
    if (saved) {
      await load();
      showNotice(`已保存“${saved.name}”。`);
    }
  });
  return button;
}

async function load() {
  try {
    let list;
    [list, names] = await Promise.all([api("GET", "/api/v1/orgs"), vocabulary()]);
    orgs = placeInTree(list);
  } catch (err) {
    return fill($("#org-list"), errorBox(err));
  }
  render();
  fillParents();
}

function fillParents() {
  const kind = $("#org-kind");
  if (!kind) return;
  const allowed = names.org_parents[kind.value] || [];
  const current = $("#org-parent").value;
  $("#org-parent").replaceChildren(...orgs.filter((o) => allowed.includes(o.kind)).map((o) =>
    el("option", {value: o.code}, `${o.name}（${o.code}）`)));
  if (current) $("#org-parent").value = current;
  $("#org-reviews").checked = kind.value !== "school";
  $("#org-reviews").closest("label").hidden = kind.value === "school";
}

async function start() {
  const form = $("#org-form");
  if (form) {
    names = await vocabulary();
    $("#org-kind").replaceChildren(...["city", "county", "school"].map((k) => el("option", {value: k}, names.org_kinds[k])));
    $("#org-kind").value = "school";
    $("#org-kind").addEventListener("change", fillParents);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const values = formValues(form);
      values.stamping_unit_code = values.stamping_unit_code || null;
      const button = $("button[type=submit]", form);
      const result = $(".result", form);
      button.disabled = true;
      try {
        const org = await api("POST", "/api/v1/orgs", values);
        fill(result, el("p", {class: "ok"}, `已新建“${org.name}”（${org.code}）。`));
        form.elements.code.value = "";
        form.elements.name.value = "";
        form.elements.stamping_unit_code.value = "";
        await load();
      } catch (err) {
        fill(result, errorBox(err));
      } finally {
        button.disabled = false;
      }
    });
  }
  $("#org-filter").addEventListener("input", render);
  await load();
}

start();
