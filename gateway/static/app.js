/* 中职毕业审核验印系统 — the web UI's one script.
 *
 * Each page is a frame rendered by the server (<body data-page="...">); this script fills it from the
 * JSON API (/api/v1) with the session cookie. Every POST carries the CSRF token from
 * <meta name="csrf-token"> as X-CSRFToken. Data from the API goes into the page as text only
 * (textContent / text nodes), never as HTML.
 */
(function () {
  "use strict";

  const CONFIG = JSON.parse(document.getElementById("ui-config").textContent || "{}");
  const ROLES = new Set(CONFIG.roles || []);
  const REVIEWER_ROLES = ["bureau_reviewer", "province_reviewer"];
  const AFTER_NUMBERING = ["numbered", "printed", "stamped", "issued"];

  // ---------------------------------------------------------------- DOM helpers

  const $ = (selector, root) => (root || document).querySelector(selector);
  const enc = encodeURIComponent;

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  /** A table: rows are arrays of cells, or {cells, class}. */
  function table(headers, rows, cls) {
    return el("table", {class: "list" + (cls ? " " + cls : "")},
      el("thead", null, el("tr", null, headers.map((h) => el("th", null, h)))),
      el("tbody", null, rows.map((row) => {
        const cells = Array.isArray(row) ? row : row.cells;
        return el("tr", {class: Array.isArray(row) ? null : row.class}, cells.map((c) => el("td", null, c)));
      })));
  }

  function fill(target, ...nodes) {
    target.classList.remove("loading");
    target.replaceChildren(...nodes.flat());
  }

  function busy(target, text) {
    fill(target, el("p", {class: "busy"}, el("span", {class: "spinner", "aria-hidden": "true"}), text));
  }

  function dash(value) {
    return value === null || value === undefined || value === "" ? "—" : String(value);
  }

  function score(value) {
    return typeof value === "number" ? value.toFixed(1) : dash(value);
  }

  /** "2026-03-01T06:12:02.123456+00:00" → "2026-03-01 14:12" in the browser's time zone. */
  function formatTime(iso) {
    if (!iso) return "—";
    const date = new Date(String(iso).replace(/(\.\d{3})\d+/, "$1"));
    if (isNaN(date)) return String(iso);
    const p = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}`;
  }

  function formatDate(iso) {
    return iso ? formatTime(iso).slice(0, 10) : "—";
  }

  function statusName(status) {
    return (CONFIG.status_names || {})[status] || dash(status);
  }

  function statusBadge(status) {
    return el("span", {class: `status status-${String(status).replace(/[^a-z_]/g, "")}`}, statusName(status));
  }

  const reviewUrl = (id) => `/reviews/${enc(id)}`;
  const reviewApi = (id) => `/api/v1/reviews/${enc(id)}`;

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, body) {
      const error = body && body.error;
      super(error && error.message ? error.message : ApiError.fallback(status));
      this.status = status;
      this.code = error && error.code;
      this.details = (body && body.errors) || (error && error.details) || [];
    }

    static fallback(status) {
      if (status === 0) return "无法连接服务器，请检查网络后重试";
      if (status === 401) return "登录已过期，请重新登录";
      if (status === 403) return "没有权限执行此操作";
      if (status === 404) return "找不到该记录，或您无权查看";
      if (status === 413) return "上传的文件太大";
      if (status >= 500) return "服务暂时不可用，请稍后重试";
      return `请求失败（${status}）`;
    }
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  /** fetch with the session cookie; JSON bodies, or FormData for uploads; throws ApiError. */
  async function api(method, url, body) {
    const headers = {Accept: "application/json"};
    const options = {method, headers, credentials: "same-origin"};
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (body instanceof FormData) {
      options.body = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(url, options);
    } catch (e) {
      throw new ApiError(0, null);
    }
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("json")) {
      try {
        data = await response.json();
      } catch (e) {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  // ---------------------------------------------------------------- messages

  function loginLink() {
    return el("a", {href: `/login?next=${enc(location.pathname)}`}, "重新登录");
  }

  /** The error as a box: its message, a sign-in link on 401, and row errors as a table. */
  function errorBox(err) {
    const box = el("div", {class: "error", role: "alert"}, el("p", null, err.message || String(err)));
    if (err.status === 401) box.append(el("p", null, loginLink()));
    const rows = (err.details || []).filter((d) => d && typeof d === "object" && "row" in d);
    if (rows.length) {
      const cells = rows.map((d) => [dash(d.row), dash(d.column), dash(d.message)]);
      box.append(table(["行", "列", "问题"], cells, "errors rows"));
    }
    return box;
  }

  function showAlert(err) {
    const alert = $("#alert");
    $("#notice").hidden = true;
    alert.replaceChildren(...errorBox(err).childNodes);
    alert.hidden = false;
    alert.scrollIntoView({block: "nearest"});
  }

  function showNotice(text) {
    const notice = $("#notice");
    $("#alert").hidden = true;
    notice.textContent = text;
    notice.hidden = false;
  }

  function clearMessages() {
    $("#alert").hidden = true;
    $("#notice").hidden = true;
  }

  /** Run a POST from a button: the button shows work, errors go to the alert. */
  async function withButton(button, text, work) {
    const label = button.textContent;
    button.disabled = true;
    button.textContent = text;
    clearMessages();
    try {
      return await work();
    } catch (err) {
      showAlert(err);
      return null;
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  // ---------------------------------------------------------------- who may act

  function isSchoolManagerOf(review) {
    return ROLES.has("school_graduation_manager") && CONFIG.org_code === review.school_code;
  }

  function isActingReviewer(review) {
    return REVIEWER_ROLES.some((r) => ROLES.has(r)) && String(review.status).startsWith("pending_")
      && review.waiting_for === CONFIG.org_code;
  }

  /** The signed-in user may approve majors' tables now. */
  function mayApproveMajors(review) {
    return (review.status === "draft" && isSchoolManagerOf(review)) || isActingReviewer(review);
  }

  /** After numbering: the school prints, the stamping unit stamps, the school marks the cohort graduated. */
  function nextStep(review) {
    if (review.status === "numbered" && isSchoolManagerOf(review)) {
      return {path: "mark-printed", label: "标记证书已打印", done: "已标记证书已打印，请送验印单位验印。",
        hint: "证书全部打印完成后点击。"};
    }
    if (review.status === "printed" && CONFIG.org_stamping_unit && REVIEWER_ROLES.some((r) => ROLES.has(r))
        && (review.chain || []).some((o) => o.code === CONFIG.org_code)) {
      return {path: "stamp", label: "验印", done: "已验印；学校须在10个工作日内在学籍中标记毕业。",
        hint: "核对证书并加盖验印章后点击。"};
    }
    if (review.status === "stamped" && isSchoolManagerOf(review)) {
      return {path: "mark-graduated", label: "标记学籍已毕业", done: "已标记学籍毕业，证书已发放。",
        hint: "在学籍系统中将本批学生标记为毕业后点击（验印后10个工作日内）。"};
    }
    return null;
  }

  function actingName(review) {
    if (!review.waiting_for) return null;
    if (review.waiting_for === review.school_code) return review.school_name;
    const level = (review.chain || []).find((o) => o.code === review.waiting_for);
    return level ? level.name : review.waiting_for;
  }

  function reviewTitle(r) {
    return `${dash(r.school_name)}　${r.year}年${dash(r.season)}　${dash(r.kind)}`;
  }

  // ---------------------------------------------------------------- 工作台

  function reviewList(target, url, empty) {
    return api("GET", url).then((list) => {
      if (!list.length) return fill(target, el("p", {class: "empty"}, empty));
      fill(target, table(["学校", "年份", "季节", "类别", "状态", "核验进度", "更新时间", ""], list.map((r) => [
        r.school_name, String(r.year), r.season, r.kind, statusBadge(r.status),
        `${r.verified}/${r.total}`, formatTime(r.updated_at),
        el("a", {class: "button small", href: reviewUrl(r.id)}, "打开"),
      ])));
    }).catch((err) => fill(target, errorBox(err)));
  }

  const DEADLINE_STATES = {overdue: "已逾期", near: "即将到期", ok: "未到期"};

  function deadlines(target) {
    return api("GET", "/api/v1/deadlines").then((list) => {
      if (!list.length) return fill(target, el("p", {class: "empty"}, "目前没有等待标记毕业的审核。"));
      fill(target, table(["学校", "毕业审核", "验印日期", "截止日期", "剩余工作日", "状态", ""], list.map((d) => ({
        class: `deadline-${d.state}`,
        cells: [d.school_name, `${d.year}年${d.season}${d.kind}`, d.stamped_on, d.due,
          d.working_days_left < 0 ? `逾期${-d.working_days_left}天` : `${d.working_days_left}天`,
          DEADLINE_STATES[d.state] || d.state, el("a", {class: "button small", href: reviewUrl(d.id)}, "打开")],
      }))));
    }).catch((err) => fill(target, errorBox(err)));
  }

  function homePage() {
    const waiting = $("#waiting-reviews");
    const all = $("#all-reviews");
    const due = $("#deadlines");
    if (waiting) reviewList(waiting, "/api/v1/reviews?waiting=true", "目前没有等待本单位审核的毕业审核。");
    if (all) reviewList(all, "/api/v1/reviews", "暂无毕业审核。");
    if (due) deadlines(due);
  }

  // ---------------------------------------------------------------- 学校数据导入

  function importResult(kind, data) {
    if (kind === "photos") {
      const nodes = [el("p", {class: "ok"}, `已接收 ${data.accepted} 张照片。`)];
      const rejected = data.rejected || [];
      if (rejected.length) {
        nodes.push(el("p", {class: "warn"}, `有 ${rejected.length} 个文件未通过：`),
          table(["文件", "问题"], rejected.map((r) => [dash(r.file), dash(r.message)]), "errors"));
      }
      return nodes;
    }
    if (kind === "students") {
      return el("p", {class: "ok"}, `导入成功：共 ${data.imported} 行，新增 ${data.added} 人，更新 ${data.updated} 人。`);
    }
    const what = kind === "grades" ? "条成绩" : "行课程设置";
    return el("p", {class: "ok"}, `导入成功：共 ${data.imported} ${what}。`);
  }

  async function submitImport(form) {
    const kind = form.dataset.kind;
    const school = form.closest("[data-school]").dataset.school;
    const result = $(".result", form);
    const button = $("button[type=submit]", form);
    const data = new FormData(form);
    if (kind === "grades") {
      const course = String(data.get("course") || "").trim();
      const term = String(data.get("term") || "");
      if (Boolean(course) !== Boolean(term)) {
        fill(result, errorBox(new Error("按班级和课程导入时，请同时填写课程名称和学期；导入全校成绩表时两项都不填。")));
        return;
      }
      if (!course) {
        data.delete("course");
        data.delete("term");
      } else {
        data.set("course", course);
      }
    }
    busy(result, kind === "photos" ? "正在上传照片，请稍候…" : "正在导入…");
    button.disabled = true;
    try {
      const answer = await api("POST", `/api/v1/schools/${enc(school)}/${kind}`, data);
      fill(result, importResult(kind, answer));
    } catch (err) {
      fill(result, errorBox(err));
    } finally {
      button.disabled = false;
    }
  }

  function schoolDataPage() {
    document.querySelectorAll("form.import").forEach((form) => {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        submitImport(form);
      });
    });
  }

  // ---------------------------------------------------------------- 创建毕业审核

  function reviewNewPage() {
    const form = $("#review-form");
    if (!form) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = $(".result", form);
      const button = $("button[type=submit]", form);
      busy(result, "正在导入名单…");
      button.disabled = true;
      try {
        const answer = await api("POST", "/api/v1/reviews", new FormData(form));
        busy(result, "名单已导入，正在打开审核页面…");
        location.assign(reviewUrl(answer.review_id));
      } catch (err) {
        const box = errorBox(err);
        if (err.status === 409 && !err.message.includes("允许重建")) box.append(el("p", null, "如需用新名单替换原名单并重新核验，请勾选“允许重建”后再导入。"));
        fill(result, box);
        button.disabled = false;
      }
    });
  }

  // ---------------------------------------------------------------- 毕业证书验印审核

  function reviewPage() {
    const id = $("#review").dataset.reviewId;
    let timer = null;
    let actionsKey = null;
    let summaryShown = false;

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(refresh, ms);
    }

    async function refresh() {
      let review;
      try {
        review = await api("GET", reviewApi(id));
      } catch (err) {
        showAlert(err);
        if (err.status !== 404 && err.status !== 401 && err.status !== 403) schedule(3000);
        return;
      }
      render(review);
      if (review.verification.state === "running") schedule(1000);
      else if (!summaryShown) summary();
    }

    async function act(button, path, body, done) {
      const review = await withButton(button, "正在处理…", () => api("POST", `${reviewApi(id)}/${path}`, body));
      if (review) {
        render(review);
        summary();
        showNotice(done);
      }
    }

    function render(review) {
      document.title = `${reviewTitle(review)} 毕业证书验印审核`;
      $("#review-title").textContent = reviewTitle(review);
      $("#review-status").replaceChildren(statusBadge(review.status));
      const acting = actingName(review);
      $("#review-waiting").textContent = acting ? `当前办理单位：${acting}` : "";
      renderProgress(review);
      renderActions(review);
      renderMajors(review);
      renderUnqualified(review);
      renderHistory(review);
    }

    function renderProgress(review) {
      const v = review.verification;
      const pct = v.total ? Math.floor((v.done * 100) / v.total) : 100;
      const bar = $("#progress-bar");
      bar.style.width = `${pct}%`;
      bar.parentNode.setAttribute("role", "progressbar");
      bar.parentNode.setAttribute("aria-valuenow", String(pct));
      $("#progress").classList.toggle("running", v.state === "running");
      $("#progress-text").textContent = v.state === "running"
        ? `正在核验成绩：${v.done} / ${v.total}（${pct}%）`
        : `核验完成（100%）：名单共 ${v.total} 人，合格 ${review.qualified} 人，不合格 ${review.unqualified.length} 人`;
    }

    function renderActions(review) {
      const key = [review.status, review.waiting_for, review.verification.state,
        review.majors.map((m) => m.status).join()].join("|");
      if (key === actionsKey) return;  // keep what the user is typing while polling
      actionsKey = key;
      const box = $("#actions");
      const nodes = [];
      const running = review.verification.state === "running";
      if (review.status === "draft" && isSchoolManagerOf(review)) {
        const pending = review.majors.filter((m) => m.status !== "approved");
        const submit = el("button", {type: "button", class: "primary", id: "submit-button", disabled: running},
          "提交");
        submit.addEventListener("click", () => act(submit, "submit", undefined, "已提交，等待上级审核。"));
        nodes.push(submit);
        if (running) nodes.push(el("span", {class: "hint"}, "核验完成后才能提交。"));
        else if (pending.length) nodes.push(el("span", {class: "hint"}, "提交前请先逐个审核通过各专业的资格审核表。"));
        nodes.push(el("a", {class: "button", href: "/reviews/new"}, "重新导入名单"));
      }
      if (isActingReviewer(review)) {
        const approve = el("button", {type: "button", class: "primary", id: "approve-button"}, "审核通过");
        approve.addEventListener("click", () => act(approve, "approve", undefined, "已审核通过。"));
        const reason = el("textarea", {id: "return-reason", rows: "3", required: true,
          placeholder: "请写明退回原因，学校将据此修改（必填）"});
        const back = el("button", {type: "button", class: "danger", id: "return-button"}, "退回修改");
        back.addEventListener("click", () => {
          const text = reason.value.trim();
          if (!text) {
            showAlert(new Error("退回时请写明原因，学校将据此修改。"));
            reason.focus();
            return;
          }
          act(back, "return", {reason: text}, "已退回学校修改。");
        });
        nodes.push(el("div", {class: "decide"},
          el("div", null, approve, el("span", {class: "hint"}, "审核通过前须先审核通过每个专业的资格审核表。")),
          el("label", {class: "reason"}, "退回原因", reason), back));
      }
      if (AFTER_NUMBERING.includes(review.status)) {
        nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/certificates`, id: "certificates-link"},
          "查看证书编号"));
        nodes.push(el("a", {class: "button", href: `${reviewUrl(review.id)}/print`, id: "print-link"},
          "打印证书与表格"));
      }
      const step = nextStep(review);
      if (step) {
        const button = el("button", {type: "button", class: "primary", id: `${step.path}-button`}, step.label);
        button.addEventListener("click", () => act(button, step.path, undefined, step.done));
        nodes.push(button, el("span", {class: "hint"}, step.hint));
      }
      box.replaceChildren(...nodes);
    }

    function renderMajors(review) {
      const target = $("#majors");
      if (!review.majors.length) {
        const text = review.verification.state === "running" ? "正在核验，合格学生会按专业列在这里。" : "没有合格的毕业生。";
        return fill(target, el("p", {class: "empty"}, text));
      }
      const canApprove = mayApproveMajors(review);
      const acting = review.waiting_for === CONFIG.org_code ? "" : actingName(review) || "";
      const pendingText = acting ? `待${acting}审核` : "待审核";
      fill(target, table(["专业代码", "专业名称", "合格人数", "状态", "操作"], review.majors.map((m) => {
        const ops = [el("a", {class: "button small", href: `${reviewUrl(review.id)}/majors/${enc(m.major_code)}`},
          "查看资格审核表")];
        if (canApprove && m.status !== "approved") {
          const button = el("button", {type: "button", class: "small primary", "data-major": m.major_code}, "审核通过");
          button.addEventListener("click", () => act(button, `majors/${enc(m.major_code)}/approve`, undefined,
            `${m.major_name}专业资格审核表已审核通过。`));
          ops.push(button);
        }
        return [m.major_code, m.major_name, String(m.qualified),
          el("span", {class: m.status === "approved" ? "ok" : "warn"}, m.status === "approved" ? "已审核" : pendingText),
          ops];
      }), "majors"));
    }

    function renderUnqualified(review) {
      const list = review.unqualified;
      $("#unqualified-count").textContent = `（${list.length} 人）`;
      if (!list.length) {
        const text = review.verification.state === "running" ? "正在核验…" : "没有不合格的学生。";
        return fill($("#unqualified"), el("p", {class: "empty"}, text));
      }
      fill($("#unqualified"), table(["行号", "姓名", "身份证号", "原因"], list.map((u) => [
        String(u.row),
        el("a", {href: `${reviewUrl(review.id)}/graduates/${enc(u.row)}`}, dash(u.name)),
        el("span", {class: "mono"}, dash(u.id_number)),
        (u.reasons || []).map((reason) => el("div", {class: "reason-line"}, reason)),
      ]), "unqualified"));
    }

    function renderHistory(review) {
      const names = CONFIG.action_names || {};
      const rows = review.history.slice().reverse().map((h) => [
        formatTime(h.at), dash(h.by), dash(h.org), names[h.action] || dash(h.action),
        h.from ? statusName(h.from) : "—", statusName(h.to), h.reason ? el("div", {class: "pre"}, h.reason) : "",
      ]);
      fill($("#history"), rows.length ? table(["时间", "操作人", "单位", "操作", "从", "到", "原因"], rows, "history")
        : el("p", {class: "empty"}, "暂无记录。"));
    }

    async function summary() {
      summaryShown = true;
      const target = $("#summary");
      let data;
      try {
        data = await api("GET", `${reviewApi(id)}/summary`);
      } catch (err) {
        return fill(target, errorBox(err));
      }
      const rows = data.majors.map((m) => [m.code, m.name, m.years ? `${m.years}年` : "—", dash(m.level),
        String(m.listed), String(m.qualified)]);
      rows.push({class: "total", cells: ["合计", "", "", "", String(data.totals.listed), String(data.totals.qualified)]});
      const nodes = [table(["专业代码", "专业名称", "学制", "学历层次", "名单人数", "合格人数"], rows, "summary")];
      const op = data.operator;
      nodes.push(el("p", null, "学校经办人：", op ? `${dash(op.name)}（电话 ${dash(op.phone)}）` : "尚未提交",
        data.submitted_at ? `　提交时间：${formatTime(data.submitted_at)}` : ""));
      if (data.approvals.length) {
        nodes.push(el("p", null, "审核：", data.approvals.map((a, i) =>
          `${i ? "；" : ""}${dash(a.org)} ${dash(a.by)}（${formatDate(a.at)}）`)));
      }
      fill(target, nodes);
    }

    refresh();
  }

  // ---------------------------------------------------------------- 毕业生资格审核表

  const CATEGORY_ORDER = ["公共基础课", "专业核心课", "专业(技能)方向课", "实习", "思政类"];

  /** The course categories as the forms list them: 公共基础课 first, any others after by name. */
  function orderCategories(categories) {
    const rank = (c) => (CATEGORY_ORDER.includes(c) ? CATEGORY_ORDER.indexOf(c) : CATEGORY_ORDER.length);
    return categories.slice().sort((a, b) => rank(a) - rank(b) || a.localeCompare(b, "zh-CN"));
  }

  function majorPage() {
    const root = $("#major");
    const id = root.dataset.reviewId;
    const code = root.dataset.majorCode;

    async function load() {
      let review;
      let sheet;
      try {
        [review, sheet] = await Promise.all([api("GET", reviewApi(id)),
          api("GET", `${reviewApi(id)}/majors/${enc(code)}`)]);
      } catch (err) {
        fill($("#major-table"), errorBox(err));
        return;
      }
      document.title = `${sheet.major_name}毕业生资格审核表`;
      $("#major-title").textContent = `${sheet.school_name} ${sheet.year}年${sheet.season}${sheet.kind === "补验印" ? "补验印" : ""}毕业生资格审核表`;
      $("#major-sub").textContent = `专业：${sheet.major_name}（${sheet.major_code}）　学制：${dash(sheet.schooling_years)}年　合格人数：${sheet.students.length}人`;
      const categories = orderCategories(sheet.categories || []);
      fill($("#major-table"), table(
        ["序号", "姓名", "性别", "身份证号", ...categories, "毕业成绩总评", "操行总评", "实习成绩"],
        sheet.students.map((s) => [String(s.seq), s.name, dash(s.gender), el("span", {class: "mono"}, s.id_number),
          ...categories.map((c) => score((s.scores || {})[c])), dash(s.overall_grade), dash(s.conduct_grade),
          dash(s.internship_grade)]), "sheet-table"));
      renderApprovals(review, sheet);
      renderButton(review);
    }

    function renderApprovals(review, sheet) {
      const school = sheet.approvals.filter((a) => a.level_code === review.school_code);
      const levels = sheet.approvals.filter((a) => a.level_code !== review.school_code);
      const line = (label, list) => el("p", null, `${label}：`, list.length
        ? list.map((a, i) => `${i ? "；" : ""}${dash(a.by)}（${dash(a.org)}）　日期：${formatDate(a.at)}`)
        : "　　　　　　　　日期：");
      $("#approvals").replaceChildren(line("填表人", school), line("审核人", levels));
    }

    function renderButton(review) {
      const old = $("#major-approve");
      if (old) old.remove();
      const major = review.majors.find((m) => m.major_code === code);
      if (!major || !mayApproveMajors(review)) return;
      if (major.status === "approved") {
        $("#major-actions").prepend(el("span", {id: "major-approve", class: "ok"}, "本级已审核通过　"));
        return;
      }
      const button = el("button", {type: "button", class: "primary", id: "major-approve"}, "审核通过");
      button.addEventListener("click", async () => {
        const done = await withButton(button, "正在处理…",
          () => api("POST", `${reviewApi(id)}/majors/${enc(code)}/approve`));
        if (done) {
          showNotice("本专业资格审核表已审核通过。");
          load();
        }
      });
      $("#major-actions").prepend(button);
    }

    load();
  }

  // ---------------------------------------------------------------- 学生详细成绩

  const VERDICTS = {qualified: "合格", unqualified: "不合格"};

  async function graduatePage() {
    const root = $("#graduate");
    const id = root.dataset.reviewId;
    const row = root.dataset.row;
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
      el("dt", null, "身份证号"), el("dd", {class: "mono"}, data.id_number),
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

  // ---------------------------------------------------------------- 证书编号

  async function certificatesPage() {
    const id = $("#certificates").dataset.reviewId;
    const target = $("#certificate-list");
    try {
      const [review, list] = await Promise.all([api("GET", reviewApi(id)), api("GET", `${reviewApi(id)}/certificates`)]);
      $("#certificates-title").textContent = reviewTitle(review);
      if (!list.length) {
        fill(target, el("p", {class: "empty"}, "尚未发放证书编号：省级审核通过后由系统自动发放。"));
        return;
      }
      fill(target, table(["序号", "证书编号", "姓名", "身份证号", "发证日期", "状态"], list.map((c) => ({
        class: c.status === "void" ? "void" : null,
        cells: [String(c.seq), el("span", {class: "mono"}, c.number), c.name, el("span", {class: "mono"}, c.id_number),
          dash(c.issue_date), c.status === "void" ? `已作废（${dash(c.void_reason)}）` : "有效"],
      })), "certificates"));
    } catch (err) {
      fill(target, errorBox(err));
    }
  }

  // ---------------------------------------------------------------- 毕业证书查询

  function verifyPage() {
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
  }

  // ---------------------------------------------------------------- start

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print]")) window.print();
  });

  const PAGES = {
    home: homePage, "school-data": schoolDataPage, "review-new": reviewNewPage, review: reviewPage,
    major: majorPage, graduate: graduatePage, certificates: certificatesPage, verify: verifyPage,
  };
  const start = PAGES[document.body.dataset.page];
  if (start) start();

  // for page scripts of their own (print.js)
  window.Biye = {$, el, table, fill, busy, dash, api, enc, errorBox, showAlert, showNotice, clearMessages, withButton,
    formatTime, reviewTitle, reviewApi, reviewUrl, statusBadge, CONFIG};
})();
