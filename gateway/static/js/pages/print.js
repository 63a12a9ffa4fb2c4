/* 打印证书与表格: choose a print site's printer, calibrate the profile on a preview of the blank form,
 * print a test certificate, the batch or chosen sequence numbers, follow each job live, reprint one
 * spoiled sheet, download and print the stamping office's forms. */
import {$, el, table, fill, dash, enc, formatTime} from "../lib/dom.js";
import {api} from "../lib/api.js";
import {errorBox, showAlert, showNotice, withButton} from "../lib/messages.js";
import {reviewApi, reviewTitle} from "../lib/reviews.js";

const id = $("#print").dataset.reviewId;
const FIELDS = ["offset_x_mm", "offset_y_mm", "skew_deg", "scale"];
const FORMS = [["register", "验印登记册"], ["namelist", "验印名单"], ["summary", "验印审核表"]];
let review = null;
let sites = [];
let certificates = [];
let jobsTimer = null;

/** "1-5,8" → [1,2,3,4,5,8]; null for blank; throws on anything else. */
function parseSeqs(text) {
  const clean = text.replace(/\s+/g, "").replace(/，/g, ",");
  if (!clean) return null;
  const seqs = [];
  for (const part of clean.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) throw new Error(`序号“${part}”看不懂：请写成 1-20,25 这样的形式`);
    const from = Number(range[1]);
    const to = range[2] ? Number(range[2]) : from;
    if (from < 1 || to < from || to - from > 100000) throw new Error(`序号范围“${part}”不对`);
    for (let n = from; n <= to; n += 1) seqs.push(n);
  }
  return seqs;
}

/** [1,2,3,5] → "1-3,5" */
function ranges(seqs) {
  const parts = [];
  for (let i = 0; i < seqs.length; i += 1) {
    let j = i;
    while (j + 1 < seqs.length && seqs[j + 1] === seqs[j] + 1) j += 1;
    parts.push(i === j ? String(seqs[i]) : `${seqs[i]}-${seqs[j]}`);
    i = j;
  }
  return parts.join(",");
}

/** A major chosen fills in its certificates' sequence numbers. */
function showMajors() {
  const byMajor = new Map();
  for (const c of certificates) byMajor.set(c.major_name, [...(byMajor.get(c.major_name) || []), c.seq]);
  const select = $("#print-major");
  select.replaceChildren(el("option", {value: ""}, "全部专业"),
    ...[...byMajor].map(([major, seqs]) => el("option", {value: ranges(seqs)}, `${major}（${seqs.length}张）`)));
  select.addEventListener("change", () => { $("#print-seqs").value = select.value; });
}

// ---------------------------------------------------------------- printers

function chosenPrinter() {
  const value = $("#printer-select").value;
  if (!value) return null;
  const [site, printer] = JSON.parse(value);
  return {site, printer};
}

async function loadPrinters() {
  const select = $("#printer-select");
  sites = (await api("GET", "/api/v1/print-sites")).sort((a, b) => Number(b.online) - Number(a.online));
  const previous = select.value;
  const options = [];
  for (const site of sites) {
    for (const printer of site.printers) {
      const state = !site.online ? "离线" : (printer.state === "stopped" ? "已暂停" : "就绪");
      options.push(el("option", {value: JSON.stringify([site.site_id, printer.name])},
        `${site.name} / ${printer.name}（${state}）`));
    }
  }
  if (!options.length) options.push(el("option", {value: ""}, "没有可用的打印机：请联系省级管理员登记打印点"));
  select.replaceChildren(...options);
  if (previous && [...select.options].some((o) => o.value === previous)) select.value = previous;
  showPrinterState();
}

function showPrinterState() {
  const chosen = chosenPrinter();
  const target = $("#printer-state");
  if (!chosen) return fill(target);
  const site = sites.find((s) => s.site_id === chosen.site);
  const printer = site && site.printers.find((p) => p.name === chosen.printer);
  const seen = site && site.last_seen ? `最近联系：${formatTime(site.last_seen)}` : "从未联系";
  const lines = [el("p", {class: site && site.online ? "ok" : "bad"},
    site && site.online ? `打印点在线（${seen}）` : `打印点离线（${seen}）：打印任务会等它上线后再打印`)];
  if (printer && printer.reason) lines.push(el("p", {class: "warn"}, `打印机：${printer.reason}`));
  fill(target, ...lines);
}

// ---------------------------------------------------------------- calibration

function layoutValues() {
  const values = {};
  for (const f of FIELDS) values[f] = $(`#${f}`).value;
  return values;
}

let previewTimer = null;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(showPreview, 350);
}

function showPreview() {
  const query = new URLSearchParams(layoutValues());
  if (certificates.length) query.set("seq", String(certificates[0].seq));
  $("#preview-state").textContent = "正在生成预览…";
  $("#calibration-preview").src = `${reviewApi(id)}/certificates/preview.png?${query}`;
}

async function loadProfiles(chosen) {
  const profiles = await api("GET", `/api/v1/schools/${enc(review.school_code)}/print-profiles`);
  const select = $("#profile-select");
  select.replaceChildren(...profiles.map((p) => el("option", {value: p.name}, p.name)));
  if (chosen) select.value = chosen;
  const apply = () => {
    const profile = profiles.find((p) => p.name === select.value) || profiles[0];
    $("#profile-name").value = profile.name;
    for (const f of FIELDS) $(`#${f}`).value = profile[f];
    showPreview();
  };
  select.onchange = apply;
  apply();
}

async function saveProfile(button) {
  const body = {name: $("#profile-name").value.trim(), ...layoutValues()};
  const saved = await withButton(button, "正在保存…",
    () => api("POST", `/api/v1/schools/${enc(review.school_code)}/print-profiles`, body));
  if (saved) {
    await loadProfiles(saved.name);
    showNotice(`已保存打印方案“${saved.name}”。`);
  }
}

// ---------------------------------------------------------------- printing

async function submit(button, body, done) {
  const chosen = chosenPrinter();
  if (!chosen) {
    showAlert(new Error("请先选择打印机。"));
    return;
  }
  const result = await withButton(button, "正在提交…", () => api("POST", `${reviewApi(id)}/print-jobs`,
    {site: chosen.site, printer: chosen.printer, profile: $("#profile-select").value || null, ...body}));
  if (result) {
    showNotice(done);
    loadJobs();
  }
}

function printBatch(button) {
  let seqs;
  try {
    seqs = parseSeqs($("#print-seqs").value);
  } catch (err) {
    showAlert(err);
    return;
  }
  const count = seqs ? seqs.length : certificates.length;
  if (!window.confirm(`将在所选打印机上打印 ${count} 张毕业证书，请确认已装入空白证书。`)) return;
  submit(button, {what: "certificates", only_seq: seqs}, `已提交 ${count} 张证书的打印任务。`);
}

function reprint(button) {
  const seq = Number($("#reprint-seq").value);
  const reason = $("#reprint-reason").value.trim();
  if (!seq || !reason) {
    showAlert(new Error("重印时请填写要重印的序号和原因。"));
    return;
  }
  submit(button, {what: "certificates", only_seq: [seq], reprint_reason: reason},
    `已提交序号 ${seq} 的重印任务（证书编号不变）。`);
}

function jobRow(job) {
  const sheets = job.sheets_total ? `${job.sheets_printed || 0} / ${job.sheets_total}` : "—";
  const waiting = job.state === "printing" && job.reason;
  return {
    class: job.state === "failed" ? "job-failed" : (waiting ? "job-waiting" : null),
    cells: [formatTime(job.created_at), job.what === "certificates" ? "证书" : "表格",
      job.printer, job.state_name || job.state, sheets,
      dash(job.reprint_reason ? `重印：${job.reprint_reason}` : (job.only_seq ? `序号 ${job.only_seq.join(",")}` : "")),
      dash(job.reason)],
  };
}

async function loadJobs() {
  clearTimeout(jobsTimer);
  const target = $("#print-jobs");
  try {
    const jobs = await api("GET", `${reviewApi(id)}/print-jobs`);
    if (!jobs.length) fill(target, el("p", {class: "empty"}, "还没有打印任务。"));
    else fill(target, table(["提交时间", "内容", "打印机", "状态", "已打印/张", "范围", "说明"], jobs.map(jobRow)));
    const live = jobs.some((j) => !["done", "failed"].includes(j.state));
    jobsTimer = setTimeout(() => { loadJobs(); loadPrinters().catch(() => null); }, live ? 1000 : 5000);
  } catch (err) {
    fill(target, errorBox(err));
  }
}

// ---------------------------------------------------------------- forms

function showForms() {
  const forms = [...FORMS, ...review.majors.map((m) => [`qualification-${m.major_code}`,
    `${m.major_name}毕业生资格审核表`])];
  fill($("#forms-list"), el("ul", {class: "downloads"}, ...forms.map(([name, label]) => el("li", null, label, "：",
    el("a", {href: `${reviewApi(id)}/forms/${enc(name)}.pdf`, id: `form-${name}-pdf`}, "PDF"), " ",
    el("a", {href: `${reviewApi(id)}/forms/${enc(name)}.xlsx`, id: `form-${name}-xlsx`}, "Excel")))));
}

// ---------------------------------------------------------------- start

async function start() {
  try {
    [review, certificates] = await Promise.all([api("GET", reviewApi(id)), api("GET", `${reviewApi(id)}/certificates`)]);
    certificates = certificates.filter((c) => c.status === "valid");
    $("#print-title").textContent = `${reviewTitle(review)}　共 ${certificates.length} 张有效证书`;
    showForms();
    showMajors();
    await loadPrinters();
    await loadProfiles();
    loadJobs();
  } catch (err) {
    showAlert(err);
  }
  $("#printer-select").addEventListener("change", showPrinterState);
  for (const f of FIELDS) $(`#${f}`).addEventListener("input", schedulePreview);
  $("#calibration-preview").addEventListener("load", () => { $("#preview-state").textContent = "预览（灰色为空白证书）"; });
  $("#calibration-preview").addEventListener("error", () => {
    $("#preview-state").textContent = "预览生成失败：请检查数值是否在允许范围内（偏移±50毫米，倾斜±10度，缩放0.8–1.2）";
  });
  $("#save-profile-button").addEventListener("click", (e) => saveProfile(e.currentTarget));
  $("#test-print-button").addEventListener("click", (e) => {
    if (!certificates.length) return;
    submit(e.currentTarget, {what: "certificates", only_seq: [certificates[0].seq]},
      "已提交一张测试证书：请用普通纸打印，与空白证书叠在一起对光核对位置。");
  });
  $("#print-batch-button").addEventListener("click", (e) => printBatch(e.currentTarget));
  $("#reprint-button").addEventListener("click", (e) => reprint(e.currentTarget));
  $("#print-forms-button").addEventListener("click", (e) => submit(e.currentTarget,
    {what: "forms", forms: ["register", "namelist"], copies: 3}, "已提交验印表格（三份）的打印任务。"));
}

start();
