/* What several pages say about a review: its title, its state as a badge, its addresses, and an ID
 * number shown masked with a button to see it whole (the server decides who may, and audits it). */
import {el, enc, dash} from "./dom.js";
import {api, CONFIG} from "./api.js";
import {showAlert} from "./messages.js";

export const reviewUrl = (id) => `/reviews/${enc(id)}`;
export const reviewApi = (id) => `/api/v1/reviews/${enc(id)}`;

export function reviewTitle(r) {
  return `${dash(r.school_name)}　${r.year}年${dash(r.season)}　${dash(r.kind)}`;
}

/** The review's state as a badge; `name` is the server's name for it where it says more (已退回修改). */
export function statusBadge(status, names, name) {
  const returned = name && name !== (names.states || {})[status];
  return el("span", {class: `status status-${String(status).replace(/[^a-z_]/g, "")}${returned ? " status-returned" : ""}`},
    name || (names.states || {})[status] || dash(status));
}

/** A masked ID number; for those the server lets see it whole, a button that asks for it (audited). */
export function idNumber(masked, revealUrl) {
  const text = el("span", {class: "mono"}, dash(masked));
  if (!CONFIG.may_reveal_id_numbers || !revealUrl) return text;
  const button = el("button", {type: "button", class: "link reveal", title: "显示完整身份证号（将记录查看日志）"}, "显示");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const answer = await api("POST", revealUrl);
      text.textContent = answer.id_number;
      button.remove();
    } catch (err) {
      button.disabled = false;
      showAlert(err);
    }
  });
  return el("span", {class: "id-number"}, text, " ", button);
}
