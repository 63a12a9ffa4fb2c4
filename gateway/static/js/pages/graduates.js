/* 查找毕业生: graduates of the subtree's reviews by name or ID number, with the review and certificate. */
import {$, el, table, fill, busy, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {idNumber, reviewApi, reviewUrl} from "../lib/reviews.js";

const VERDICTS = {qualified: "合格", unqualified: "不合格"};
const CERT_STATES = {valid: "有效", void: "已作废"};

function certificate(c) {
  if (!c) return "—";
  return el("span", null, el("span", {class: "mono"}, c.number), ` ${CERT_STATES[c.status] || c.status}`,
    c.issue_date ? `（${c.issue_date}）` : "");
}

async function search(q) {
  const target = $("#search-result");
  busy(target, "正在查找…");
  let found;
  try {
    found = await api("GET", `/api/v1/graduates?q=${enc(q)}`);
  } catch (err) {
    return fill(target, errorBox(err));
  }
  if (!found.length) return fill(target, el("p", {class: "empty"}, `没有找到“${q}”。`));
  fill(target, el("p", null, `找到 ${found.length} 条：`), table(
    ["姓名", "身份证号", "学校", "毕业审核", "审核状态", "名单行号", "专业", "核验结果", "证书编号", ""],
    found.map((g) => ({
      class: g.verdict === "unqualified" ? "bad" : null,
      cells: [el("a", {href: `${reviewUrl(g.review_id)}/graduates/${enc(g.row)}`}, g.name),
        idNumber(g.id_number, `${reviewApi(g.review_id)}/graduates/${enc(g.row)}/id-number`),
        g.school_name, `${g.year}年${g.season}${g.kind}`, g.status_name, String(g.row), dash(g.major_name),
        el("span", {title: (g.reasons || []).join("\n")}, VERDICTS[g.verdict] || "核验中"), certificate(g.certificate),
        el("a", {class: "button small", href: reviewUrl(g.review_id)}, "打开审核")],
    })), "graduates"));
}

const form = $("#search-form");
form.addEventListener("submit", (event) => {
  event.preventDefault();
  const q = $("#search-q").value.trim();
  history.replaceState(null, "", `?q=${enc(q)}`);
  search(q);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  $("#search-q").value = initial;
  search(initial);
}
