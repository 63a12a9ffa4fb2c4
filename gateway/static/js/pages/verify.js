/* 毕业证书查询: public, no sign-in. */
import {$, el, fill, busy, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";

const form = $("#verify-form");
const result = $("#verify-result");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const number = form.elements.number.value.replace(/\s+/g, "");
  const name = form.elements.name.value.trim();
  if (!/^\d{11}$/.test(number)) {
    fill(result, errorBox(new Error("证书编号应为11位数字。")));
    return;
  }
  busy(result, "正在查询…");
  try {
    const data = await api("GET", `/api/v1/verify/${enc(number)}?name=${enc(name)}`);
    if (data.valid) {
      fill(result, el("div", {class: "verdict valid"}, el("h2", null, "有效"),
        el("dl", {class: "facts"},
          el("dt", null, "证书编号"), el("dd", {class: "mono"}, number),
          el("dt", null, "姓名"), el("dd", null, data.name),
          el("dt", null, "学校"), el("dd", null, data.school),
          el("dt", null, "专业"), el("dd", null, data.major),
          el("dt", null, "发证日期"), el("dd", null, dash(data.issue_date)))));
    } else {
      fill(result, el("div", {class: "verdict invalid"}, el("h2", null, "查询不到"),
        el("p", null, "没有与该编号和姓名相符的有效毕业证书，请核对证书编号和姓名（须与证书上完全一致）。")));
    }
  } catch (err) {
    fill(result, errorBox(err));
  }
});
