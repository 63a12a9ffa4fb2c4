/* 账号管理: accounts of the caller's organisation and below. Create with roles fitting the organisation's
 * kind (the server's list), edit, disable or enable, reset the password (a one-time password shown once),
 * unlock after failed sign-ins. */
import {$, $$, el, table, fill, dash, enc, formValues} from "../lib/dom.js";
import {api, CONFIG, vocabulary} from "../lib/api.js";
import {ask, errorBox, formDialog, showNotice, withButton} from "../lib/messages.js";

let names = {};
let orgs = new Map();
let users = [];

const rolesFor = (org) => Object.keys(names.roles).filter((r) => (names.role_kinds[r] || []).includes(org.kind));
const roleNames = (roles) => roles.map((r) => names.roles[r] || r).join("、");

function stateOf(u) {
  if (!u.active) return el("span", {class: "bad"}, "已停用");
  if (u.locked) return el("span", {class: "warn"}, "登录失败过多，已锁定");
  if (u.must_change_password) return el("span", {class: "warn"}, "待本人修改密码");
  return el("span", {class: "ok"}, "正常");
}

function render() {
  const words = $("#user-filter").value.trim();
  const shown = users.filter((u) => {
    const org = orgs.get(u.org_code);
    return !words || u.username.includes(words) || u.name.includes(words) || (org && org.name.includes(words));
  });
  if (!shown.length) return fill($("#user-list"), el("p", {class: "empty"}, "没有符合条件的账号。"));
  fill($("#user-list"), table(["用户名", "姓名", "电话", "所属机构", "角色", "状态", "操作"], shown.map((u) => ({
    attrs: {"data-user": u.username},
    cells: [u.username, u.name, dash(u.phone), (orgs.get(u.org_code) || {name: u.org_code}).name, roleNames(u.roles),
      stateOf(u), operations(u)],
  })), "users"));
}

function operations(u) {
  const buttons = [button(u, "edit", "修改", edit), button(u, "toggle", u.active ? "停用" : "启用", toggle),
    button(u, "reset", "重置密码", reset)];
  if (u.locked) buttons.push(button(u, "unlock", "解锁", unlock));
  if (u.username === CONFIG.username) buttons.splice(1, 1);  // nobody disables themselves
  return buttons;
}

function button(user, op, label, work) {
  const b = el("button", {type: "button", class: "small", "data-op": op}, label);
  b.addEventListener("click", () => work(user, b));
  return b;
}

async function edit(user, b) {
  const org = orgs.get(user.org_code) || {kind: ""};
  const fields = [
    {name: "name", label: "姓名", value: user.name, required: true},
    {name: "phone", label: "联系电话", value: user.phone, required: true},
    ...rolesFor(org).map((r) => ({name: `role:${r}`, label: names.roles[r], type: "checkbox", value: user.roles.includes(r)})),
  ];
  const values = await formDialog({title: `修改账号：${user.username}`, fields, confirm: "保存"});
  if (values === null) return;
  const roles = Object.keys(values).filter((k) => k.startsWith("role:") && values[k]).map((k) => k.slice(5));
  const saved = await withButton(b, "正在保存…", () => api("PATCH", `/api/v1/users/${enc(user.username)}`,
    {name: values.name, phone: values.phone, roles}));
  if (saved) {
    await load();
    showNotice(`已保存账号 ${user.username}。`);
  }
}

async function toggle(user, b) {
  const active = !user.active;
  if (!active && await ask({title: `停用账号 ${user.username}`, danger: true, confirm: "停用",
    message: `${user.name} 将立即退出登录，且不能再登录，直到重新启用。`}) === null) return;
  const saved = await withButton(b, "正在处理…", () => api("PATCH", `/api/v1/users/${enc(user.username)}`, {active}));
  if (saved) {
    await load();
    showNotice(active ? `已启用账号 ${user.username}。` : `已停用账号 ${user.username}。`);
  }
}

async function reset(user, b) {
  if (await ask({title: `重置 ${user.username} 的密码`, confirm: "重置密码",
    message: `将生成一个一次性密码；${user.name} 用它登录后须立即设置自己的新密码。原密码立即失效。`}) === null) return;
  const answer = await withButton(b, "正在处理…", () => api("POST", `/api/v1/users/${enc(user.username)}/reset-password`));
  if (!answer) return;
  await load();
  await formDialog({title: "一次性密码（只显示这一次）", confirm: "我已记下",
    message: `账号：${user.username}\n一次性密码：${answer.password}\n\n请当面或电话告知本人，不要通过聊天工具发送。`});
}

async function unlock(user, b) {
  const done = await withButton(b, "正在处理…", () => api("POST", `/api/v1/users/${enc(user.username)}/unlock`));
  if (done !== null) {
    await load();
    showNotice(`已解锁账号 ${user.username}。`);
  }
}

function showRoles() {
  const org = orgs.get($("#user-org").value);
  const box = $("#user-roles");
  $$("label", box).forEach((l) => l.remove());
  for (const role of org ? rolesFor(org) : []) {
    box.append(el("label", {class: "check"}, el("input", {type: "checkbox", name: `role:${role}`}), names.roles[role]));
  }
}

async function load() {
  try {
    let list;
    [list, users, names] = await Promise.all([api("GET", "/api/v1/orgs"), api("GET", "/api/v1/users"), vocabulary()]);
    orgs = new Map(list.map((o) => [o.code, o]));
  } catch (err) {
    return fill($("#user-list"), errorBox(err));
  }
  render();
}

async function start() {
  await load();
  const select = $("#user-org");
  select.replaceChildren(...[...orgs.values()].map((o) => el("option", {value: o.code}, `${o.name}（${o.code}）`)));
  select.addEventListener("change", showRoles);
  showRoles();
  $("#user-filter").addEventListener("input", render);
  const form = $("#user-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues(form);
    const roles = Object.keys(values).filter((k) => k.startsWith("role:") && values[k]).map((k) => k.slice(5));
    const body = {username: values.username, name: values.name, phone: values.phone, password: values.password,
      org_code: values.org_code, roles};
    const result = $(".result", form);
    const submit = $("button[type=submit]", form);
    submit.disabled = true;
    try {
      const user = await api("POST", "/api/v1/users", body);
      fill(result, el("p", {class: "ok"}, `已新建账号 ${user.username}（${user.name}）。`));
      for (const name of ["username", "name", "phone", "password"]) form.elements[name].value = "";
      await load();
    } catch (err) {
      fill(result, errorBox(err));
    } finally {
      submit.disabled = false;
    }
  });
}

start();
