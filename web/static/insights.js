/* 注销助手 insights board. Plain ES2020; needs /vendor/echarts.min.js. Leads only (the API checks). */
(function () {
  "use strict";

  const API = "/console/api/insights";
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let figures = null;
  let query = "period=7d";

  const pct = (x) => (x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`);
  const secs = (s) => (s === null || s === undefined ? "–" : s < 90 ? `${Math.round(s)} 秒` : `${(s / 60).toFixed(1)} 分`);
  const topicName = (key) => (figures && figures.topics[key || ""]) || key;
  const outcomeName = (key) => (figures && figures.outcome_labels[key]) || key;

  function showError(message) {
    const toast = $("insights-error");
    toast.textContent = message;
    toast.hidden = false;
  }

  async function call(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init).catch(() => null);
    if (!res) throw Object.assign(new Error("网络异常，请检查网络后重试"), { status: 0 });
    if (res.ok) return res;
    const data = await res.json().catch(() => null);
    throw Object.assign(new Error((data && data.error) || `请求失败（HTTP ${res.status}）`), { status: res.status });
  }

  function gate(message) {
    $("board").hidden = true;
    $("gate-text").textContent = message;
    $("gate").hidden = false;
  }

  function chart(id, summary, option) {
    const node = $(id);
    node.setAttribute("aria-label", summary);
    charts[id] = charts[id] || echarts.init(node);
    charts[id].setOption(Object.assign({ tooltip: { trigger: "axis" }, grid: { left: 48, right: 16, top: 24, bottom: 40 } }, option), true);
  }

  const bars = (names, values, extra) => ({
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [Object.assign({ type: "bar", data: values, itemStyle: { color: "#1f6feb" } }, extra || {})],
  });

  function render(f) {
    figures = f;
    const conv = f.conversations, answers = f.answers, desk = f.desk;
    $("period-label").textContent = `${f.period.from} 至 ${f.period.to}`;
    $("kpi-conversations").textContent = conv.total;
    $("kpi-containment").textContent = pct(conv.containment);
    $("kpi-fallback").textContent = pct(answers.fallback_rate);
    $("kpi-ask-back").textContent = pct(answers.ask_back_rate);
    $("kpi-not-covered").textContent = pct(answers.not_covered_rate);
    $("kpi-wait").textContent = `${secs(desk.wait_to_claim_s.p50)} / ${secs(desk.wait_to_claim_s.p90)}`;
    $("kpi-first-reply").textContent = `${secs(desk.first_reply_s.p50)} / ${secs(desk.first_reply_s.p90)}`;
    $("kpi-callbacks").textContent = `${desk.callbacks_done} / ${desk.callbacks_requested}`;

    const days = conv.per_day.map((d) => d.day.slice(5));
    chart("chart-conversations", `共 ${conv.total} 个会话`, {
      xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", name: "会话数", data: conv.per_day.map((d) => d.conversations), areaStyle: { opacity: 0.12 } }],
    });
    const reasons = Object.keys(conv.handoff_rate);
    chart("chart-handoffs", reasons.map((r) => `${r} ${pct(conv.handoff_rate[r])}`).join("，"),
      bars(reasons, reasons.map((r) => conv.handoffs[r]), { name: "转人工次数" }));
    const outcomes = Object.entries(answers.outcomes);
    chart("chart-outcomes", outcomes.map(([k, n]) => `${outcomeName(k)} ${n}`).join("，"), {
      tooltip: { trigger: "item" }, legend: { bottom: 0, type: "scroll" },
      series: [{ type: "pie", radius: ["35%", "62%"], center: ["50%", "42%"], data: outcomes.map(([k, n]) => ({ name: outcomeName(k), value: n })) }],
    });
    const top = answers.top_topics;
    chart("chart-topics", top.map((t) => `${topicName(t.topic)} ${t.answers}`).join("，") || "暂无数据",
      bars(top.map((t) => topicName(t.topic)), top.map((t) => t.answers), { name: "回答次数" }));
    const trend = Object.entries(answers.trend);
    chart("chart-trend", `前 ${trend.length} 个主题的每日回答次数`, {
      legend: { bottom: 0, type: "scroll" }, grid: { left: 48, right: 16, top: 24, bottom: 56 },
      xAxis: { type: "category", data: days }, yAxis: { type: "value", minInterval: 1 },
      series: trend.map(([key, points]) => ({ type: "line", name: topicName(key), data: points.map((p) => p.answers) })),
    });
    const fb = f.feedback;
    chart("chart-feedback", fb.map((r) => `${topicName(r.topic)} 有帮助 ${r.helpful} 没帮助 ${r.unhelpful}`).join("，") || "暂无评价", {
      legend: { bottom: 0 }, xAxis: { type: "category", data: fb.map((r) => topicName(r.topic)), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", stack: "fb", name: "有帮助", data: fb.map((r) => r.helpful), itemStyle: { color: "#0f8a5f" } },
        { type: "bar", stack: "fb", name: "没帮助", data: fb.map((r) => r.unhelpful), itemStyle: { color: "#c4320a" } },
      ],
    });
    const statuses = f.funnel.statuses;
    chart("chart-funnel", statuses.map((s) => `${s.label} ${s.tickets}`).join("，"),
      bars(statuses.map((s) => s.label), statuses.map((s) => s.tickets), {
        name: "工单数",
        label: { show: true, position: "top", formatter: (p) => (statuses[p.dataIndex].median_hours === null ? "" : `停留中位 ${statuses[p.dataIndex].median_hours} 小时`) },
      }));
    const agents = desk.cases_per_agent;
    chart("chart-agents", agents.map((a) => `${a.agent} ${a.cases}`).join("，") || "暂无数据",
      bars(agents.map((a) => a.agent), agents.map((a) => a.cases), { name: "接入会话数" }));

    renderUnanswered(f);
    document.querySelectorAll("a.csv").forEach((a) => { a.href = `${API}/csv/${a.dataset.table}?${query}`; });
  }

  function renderUnanswered(f) {
    $("unanswered-total").textContent = f.unanswered_total;
    $("topic-keys").replaceChildren(...Object.entries(f.topics).map(([key, title]) => {
      const option = document.createElement("option");
      option.value = key;
      option.label = title;
      return option;
    }));
    const rows = f.unanswered.map((group, index) => {
      const tr = document.createElement("tr");
      const example = document.createElement("td");
      const details = document.createElement("details");
      const summary = document.createElement("summary");
      summary.textContent = group.example;
      details.append(summary, ...group.texts.slice(1).map((t) => Object.assign(document.createElement("div"), { textContent: t })));
      example.append(group.texts.length > 1 ? details : group.example);
      const count = Object.assign(document.createElement("td"), { textContent: group.count, className: "count-cell" });
      const label = Object.assign(document.createElement("td"), { className: "label-cell" });
      const input = Object.assign(document.createElement("input"), { type: "text", placeholder: "主题英文名，如 balance" });
      input.setAttribute("list", "topic-keys");
      input.setAttribute("aria-label", `第 ${index + 1} 组的主题`);
      input.dataset.group = String(index);
      label.append(input);
      tr.append(example, count, label);
      return tr;
    });
    if (!rows.length) {
      const empty = Object.assign(document.createElement("td"), { colSpan: 3, textContent: "这段时间没有未能回答的问题", className: "muted" });
      const tr = document.createElement("tr");
      tr.append(empty);
      rows.push(tr);
    }
    $("unanswered-rows").replaceChildren(...rows);
  }

  async function exportNlu() {
    const items = [...document.querySelectorAll("#unanswered-rows input")]
      .filter((input) => input.value.trim())
      .map((input) => ({ label: `faq/${input.value.trim()}`, texts: figures.unanswered[Number(input.dataset.group)].texts }));
    try {
      const res = await call("POST", `${API}/export`, { items });
      const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(await res.blob()), download: "nlu-export.yml" });
      document.body.append(link);
      link.click();
      link.remove();
    } catch (err) {
      showError(messageOf(err));
    }
  }

  // Errors from the API carry a Chinese message (err.status set); anything else (a script that did
  // not load, a body that is not JSON) is the page's own failure and must not show in English.
  const PAGE_FAILED = "数据看板加载失败，请刷新页面重试；如仍失败请联系技术支持。";
  const messageOf = (err) => (err && err.status !== undefined ? err.message : PAGE_FAILED);

  async function load() {
    try {
      const res = await call("GET", `${API}?${query}`);
      $("gate").hidden = true;
      $("board").hidden = false;
      render(await res.json());
    } catch (err) {
      if (err.status === 401) gate("请先登录客服工作台，再打开数据看板。");
      else if (err.status === 403) gate(err.message);
      else if ($("board").hidden) gate(messageOf(err));  // nothing shown yet: say so on the page
      else showError(messageOf(err));
    }
  }

  function onPeriod(event) {
    event.preventDefault();
    const preset = $("period-preset").value;
    query = preset === "custom"
      ? `from=${encodeURIComponent($("period-from").value)}&to=${encodeURIComponent($("period-to").value)}`
      : `period=${preset}`;
    load();
  }

  $("period-preset").addEventListener("change", () => { $("custom-range").hidden = $("period-preset").value !== "custom"; });
  $("period-form").addEventListener("submit", onPeriod);
  $("export-nlu").addEventListener("click", exportNlu);
  $("insights-error").addEventListener("click", (e) => { e.currentTarget.hidden = true; });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
  load();
})();
