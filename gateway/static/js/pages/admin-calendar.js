/* 工作日历: the province's added workdays and holidays of a year; add, correct or remove one. */
import {$, el, table, fill, dash, enc, formatTime, formValues} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {ask, errorBox, showNotice, withButton} from "../lib/messages.js";

const WEEKDAYS = "日一二三四五六";

async function load() {
  const year = $("#calendar-year").value;
  let days;
  try {
    days = await api("GET", `/api/v1/calendar?year=${enc(year)}`);
  } catch (err) {
    return fill($("#calendar-list"), errorBox(err));
  }
  if (!days.length) return fill($("#calendar-list"), el("p", {class: "empty"}, `${year}年没有本省调整的日期，全部按国家日历。`));
  fill($("#calendar-list"), table(["日期", "星期", "这一天", "说明", "调整人", "调整时间", ""], days.map((d) => ({
    attrs: {"data-date": d.date},
    cells: [d.date, `星期${WEEKDAYS[new Date(`${d.date}T00:00:00`).getDay()]}`,
      el("span", {class: d.workday ? "ok" : "warn"}, d.workday ? "上班" : "放假"), dash(d.note), dash(d.by),
      formatTime(d.at), removeButton(d)],
  })), "calendar"));
}

function removeButton(day) {
  const b = el("button", {type: "button", class: "small", "data-op": "delete"}, "删除");
  b.addEventListener("click", async () => {
    if (await ask({title: `删除 ${day.date} 的调整`, confirm: "删除", message: "删除后这一天按国家日历计算。"}) === null) return;
    const done = await withButton(b, "正在删除…", () => api("DELETE", `/api/v1/calendar/${enc(day.date)}`));
    if (done !== null) {
      await load();
      showNotice(`已删除 ${day.date} 的调整。`);
    }
  });
  return b;
}

const form = $("#calendar-form");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const values = formValues(form);
  const button = $("button[type=submit]", form);
  const done = await withButton(button, "正在保存…", () => api("POST", "/api/v1/calendar",
    {date: values.date, workday: values.workday === "true", note: values.note}));
  if (done) {
    $("#calendar-year").value = values.date.slice(0, 4);
    await load();
    showNotice(`已保存：${values.date} ${values.workday === "true" ? "上班" : "放假"}。`);
  }
});
$("#calendar-year").addEventListener("change", load);
load();
