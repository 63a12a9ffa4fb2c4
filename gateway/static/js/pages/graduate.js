/* 学生详细成绩: one row of the graduate list, every planned course and term with the grade held. */
import {$, el, table, fill, dash, enc} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox} from "../lib/messages.js";
import {idNumber, reviewApi} from "../lib/reviews.js";

const VERDICTS = {qualified: "合格", unqualified: "不合格"};
const root = $("#graduate");
const id = root.dataset.reviewId;
const row = root.dataset.row;

async function load() {
  let data;
  try {
    data = await api("GET", `${reviewApi(id)}/graduates/${enc(row)}/grades`);
  } catch (err) {
    fill($("#graduate-info"), errorBox(err));
    fill($("#grades"), el("p", {class: "empty"}, "没有成绩可以显示。"));
    return;
  }
  document.title = `${data.name} 学生详细成绩`;
  fill($("#graduate-info"), el("dl", {class: "facts"},
    el("dt", null, "姓名"), el("dd", null, data.name),
    el("dt", null, "身份证号"), el("dd", null, idNumber(data.id_number, `${reviewApi(id)}/graduates/${enc(row)}/id-number`)),
    el("dt", null, "专业"), el("dd", null, `${data.major_name}（${data.major_code}）`),
    el("dt", null, "入学年级"), el("dd", null, String(data.cohort)),
    el("dt", null, "名单行号"), el("dd", null, String(data.row)),
    el("dt", null, "核验结果"), el("dd", {class: data.verdict === "qualified" ? "ok" : "bad"},
      VERDICTS[data.verdict] || "核验中")));
  if (data.reasons.length) {
    $("#graduate-reasons").replaceChildren(el("h2", null, "不合格原因"),
      el("ul", {class: "reasons"}, data.reasons.map((r) => el("li", null, r))));
  }
  if (!data.grades.length) {
    fill($("#grades"), el("p", {class: "empty"}, "该专业、年级还没有课程设置。"));
    return;
  }
  fill($("#grades"), table(["学期", "课程类别", "课程名称", "学时", "成绩", "补考成绩", "结果"], data.grades.map((g) => {
    const missing = g.score === null && g.word === null;
    const value = g.score !== null ? g.score : g.word;
    const makeup = g.makeup_score !== null ? g.makeup_score : g.makeup_word;
    return {
      class: g.passed ? null : "bad",
      cells: [`第${g.term}学期`, g.category, g.course, dash(g.hours), missing ? "缺成绩" : dash(value), dash(makeup),
        g.passed ? "通过" : (missing ? "缺少成绩" : "不及格")],
    };
  }), "grades"));
}

load();
