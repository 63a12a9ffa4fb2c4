/* 创建毕业审核: import the graduate list, then open the review it made. Opened from a review's
 * 重新导入名单, the form carries that review's year, season and kind, with the rebuild ticked and what
 * a rebuild discards said beside it. */
import {$, el, fill, busy} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {reviewUrl} from "../lib/reviews.js";

const form = $("#review-form");

function prefill() {
  const given = new URLSearchParams(location.search);
  for (const name of ["year", "season", "kind"]) {
    if (given.get(name)) form.elements[name].value = given.get(name);
  }
  if (given.get("rebuild")) form.elements.rebuild.checked = true;
  const warn = () => { $("#rebuild-warning").hidden = !form.elements.rebuild.checked; };
  form.elements.rebuild.addEventListener("change", warn);
  warn();
}

if (form) {
  prefill();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = $(".result", form);
    const button = $("button[type=submit]", form);
    busy(result, "正在导入名单…");
    result.scrollIntoView({block: "nearest"});
    button.disabled = true;
    try {
      const answer = await api("POST", "/api/v1/reviews", new FormData(form));
      busy(result, "名单已导入，正在打开审核页面…");
      location.assign(reviewUrl(answer.review_id));
    } catch (err) {
      const box = errorBox(err);
      if (err.status === 409 && !err.message.includes("允许重建")) {
        box.append(el("p", null, "如需用新名单替换原名单并重新核验，请勾选“允许重建”后再导入。"));
      }
      fill(result, box);
      result.scrollIntoView({block: "center"});
      button.disabled = false;
    }
  });
}
