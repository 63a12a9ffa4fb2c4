/* 证书编号 of a review; corrections (reissue with a new number, void) where the server offers them. */
import {$, el, table, fill, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {ask, errorBox, showNotice, withButton} from "../lib/messages.js";
import {idNumber, reviewApi, reviewTitle} from "../lib/reviews.js";

const id = $("#certificates").dataset.reviewId;
const target = $("#certificate-list");

const CORRECTIONS = {
  reissue: {label: "更正补发", title: "更正补发证书编号", field: "更正原因", confirm: "作废原编号并补发",
    message: (c) => `将作废 ${c.name} 的证书编号 ${c.number}，并发放一个新编号。`,
    done: (c, answer) => `${c.name} 的原编号已作废，新编号 ${answer.number}。`},
  void: {label: "作废", title: "作废证书编号", field: "作废原因", confirm: "作废",
    message: (c) => `将作废 ${c.name} 的证书编号 ${c.number}；作废后该生不再持有有效证书。`,
    done: (c) => `${c.name} 的证书编号 ${c.number} 已作废。`},
};

function correctionButton(cert, action) {
  const what = CORRECTIONS[action];
  const button = el("button", {type: "button", class: "small danger", "data-action": action, "data-number": cert.number},
    what.label);
  button.addEventListener("click", async () => {
    const reason = await ask({title: what.title, message: what.message(cert), confirm: what.confirm, danger: true,
      field: {label: what.field, required: true, multiline: true}});
    if (reason === null) return;
    const answer = await withButton(button, "正在处理…",
      () => api("POST", `/api/v1/certificates/${enc(cert.number)}/${action}`, {reason}));
    if (answer) {
      await load();
      showNotice(what.done(cert, answer));
    }
  });
  return button;
}

async function load() {
  try {
    const [review, list] = await Promise.all([api("GET", reviewApi(id)), api("GET", `${reviewApi(id)}/certificates`)]);
    $("#certificates-title").textContent = reviewTitle(review);
    if (!list.length) {
      fill(target, el("p", {class: "empty"}, "尚未发放证书编号：省级审核通过后由系统自动发放。"));
      return;
    }
    const corrects = list.some((c) => c.actions.length);
    const headers = ["序号", "证书编号", "姓名", "身份证号", "发证日期", "状态", ...(corrects ? ["更正"] : [])];
    fill(target, table(headers, list.map((c) => ({
      class: c.status === "void" ? "void" : null,
      cells: [String(c.seq), el("span", {class: "mono"}, c.number), c.name,
        idNumber(c.id_number, `${reviewApi(id)}/certificates/${enc(c.number)}/id-number`),
        dash(c.issue_date), c.status === "void" ? `已作废（${dash(c.void_reason)}）` : "有效",
        ...(corrects ? [c.actions.map((a) => correctionButton(c, a))] : [])],
    })), "certificates"));
  } catch (err) {
    fill(target, errorBox(err));
  }
}

load();
