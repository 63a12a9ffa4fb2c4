/* 打印点管理 (province admin): register a print site, show its agent's settings once, list every site
 * with its printers, online or not and when last seen, and revoke one. */
import {$, el, table, fill, enc, formatTime} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox, showNotice, withButton} from "../lib/messages.js";

function envFile(site) {
  const c = site.credentials;
  return [`AGENT_SITE_ID=${c.site_id}`, `AGENT_AMQP_URI=${c.amqp_uri}`,
    `AGENT_GATEWAY_URL=${location.origin}`, "AGENT_STATE_DIR=/var/lib/biye-printagent"].join("\n");
}

function printersOf(site) {
  if (!site.printers.length) return "—";
  return el("ul", {class: "plain"}, ...site.printers.map((p) => el("li", null,
    `${p.name}：${p.state === "stopped" ? "已暂停" : (p.state === "processing" ? "正在打印" : "就绪")}`,
    p.reason ? `（${p.reason}）` : "")));
}

async function load() {
  const target = $("#site-list");
  try {
    const sites = await api("GET", "/api/v1/print-sites");
    if (!sites.length) return fill(target, el("p", {class: "empty"}, "还没有登记打印点。"));
    fill(target, table(["打印点", "所属单位", "状态", "最近联系", "打印机", ""], sites.map((s) => {
      const revoke = el("button", {type: "button", class: "danger small", "data-site": s.site_id}, "撤销");
      revoke.addEventListener("click", () => {
        if (!window.confirm(`撤销打印点“${s.name}”后，它的打印代理立即断开，不能再接收打印任务。确定撤销？`)) return;
        withButton(revoke, "正在撤销…", () => api("DELETE", `/api/v1/print-sites/${enc(s.site_id)}`))
          .then((done) => { if (done) { showNotice(`已撤销打印点“${s.name}”。`); load(); } });
      });
      return [s.name, s.org_code, s.online ? "在线" : "离线", s.last_seen ? formatTime(s.last_seen) : "从未联系",
        printersOf(s), revoke];
    })));
  } catch (err) {
    fill(target, errorBox(err));
  }
}

$("#register-site-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const body = {org_code: form.elements.org_code.value.trim(), name: form.elements.name.value.trim()};
  const site = await withButton(form.querySelector("button"), "正在登记…", () => api("POST", "/api/v1/print-sites", body));
  if (!site) return;
  $("#site-env").textContent = envFile(site);
  $("#site-credentials").hidden = false;
  form.reset();
  showNotice(`已登记打印点“${site.name}”。`);
  load();
});

load();
setInterval(load, 10000);
