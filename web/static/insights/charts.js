/* The board's charts (Apache ECharts, /vendor/echarts.min.js), each with a text summary for
 * screen readers (the chart is role="img"). */

import { byId } from "../lib/dom.js";
import { percent, topicName } from "./state.js";

/** @typedef {import("echarts").EChartsOption} Option */
/** @typedef {import("echarts").ECharts} Chart */
/** @typedef {import("./state.js").Figures} Figures */

/** @type {Map<string, Chart>} */
const charts = new Map();

/**
 * Draw (or redraw) one chart.
 * @param {string} id
 * @param {string} summary what the chart shows, in words
 * @param {Option} option
 */
function draw(id, summary, option) {
  const echarts = window.echarts;
  if (!echarts) throw new Error("echarts did not load");
  const node = byId(id);
  node.setAttribute("aria-label", summary);
  let chart = charts.get(id);
  if (!chart) {
    chart = echarts.init(node);
    charts.set(id, chart);
  }
  chart.setOption({ tooltip: { trigger: "axis" }, grid: { left: 48, right: 16, top: 24, bottom: 40 }, ...option }, true);
}

/**
 * A bar chart of one series.
 * @param {string[]} names
 * @param {number[]} values
 * @param {Record<string, unknown>} [series] the series' other settings
 * @returns {Option}
 */
function bars(names, values, series = {}) {
  return {
    xAxis: { type: "category", data: names, axisLabel: { interval: 0, rotate: names.length > 5 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: values, itemStyle: { color: "#1f6feb" }, ...series }],
  };
}

/** Charts follow the window's size. */
export function resizeCharts() {
  charts.forEach((chart) => chart.resize());
}

/** @param {Figures} f */
export function renderCharts(f) {
  const { conversations: conv, answers, desk } = f;
  /** @param {string | null | undefined} key */
  const topic = (key) => topicName(f, key);
  /** @param {string} key */
  const outcome = (key) => f.outcome_labels[key] || key;

  const days = conv.per_day.map((d) => d.day.slice(5));
  draw("chart-conversations", `共 ${conv.total} 个会话`, {
    xAxis: { type: "category", data: days },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { type: "line", name: "会话数", data: conv.per_day.map((d) => d.conversations), areaStyle: { opacity: 0.12 } },
    ],
  });

  const reasons = Object.keys(conv.handoff_rate);
  draw(
    "chart-handoffs",
    reasons.map((r) => `${r} ${percent(conv.handoff_rate[r])}`).join("，"),
    bars(
      reasons,
      reasons.map((r) => conv.handoffs[r]),
      { name: "转人工次数" },
    ),
  );

  const outcomes = Object.entries(answers.outcomes);
  draw("chart-outcomes", outcomes.map(([k, n]) => `${outcome(k)} ${n}`).join("，"), {
    tooltip: { trigger: "item" },
    legend: { bottom: 0, type: "scroll" },
    series: [
      {
        type: "pie",
        radius: ["35%", "62%"],
        center: ["50%", "42%"],
        data: outcomes.map(([k, n]) => ({ name: outcome(k), value: n })),
      },
    ],
  });

  const top = answers.top_topics;
  draw(
    "chart-topics",
    top.map((t) => `${topic(t.topic)} ${t.answers}`).join("，") || "暂无数据",
    bars(
      top.map((t) => topic(t.topic)),
      top.map((t) => t.answers),
      { name: "回答次数" },
    ),
  );

  const trend = Object.entries(answers.trend);
  draw("chart-trend", `前 ${trend.length} 个主题的每日回答次数`, {
    legend: { bottom: 0, type: "scroll" },
    grid: { left: 48, right: 16, top: 24, bottom: 56 },
    xAxis: { type: "category", data: days },
    yAxis: { type: "value", minInterval: 1 },
    series: trend.map(([key, points]) => ({ type: "line", name: topic(key), data: points.map((p) => p.answers) })),
  });

  const fb = f.feedback;
  draw(
    "chart-feedback",
    fb.map((r) => `${topic(r.topic)} 有帮助 ${r.helpful} 没帮助 ${r.unhelpful}`).join("，") || "暂无评价",
    {
      legend: { bottom: 0 },
      xAxis: { type: "category", data: fb.map((r) => topic(r.topic)), axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { type: "bar", stack: "fb", name: "有帮助", data: fb.map((r) => r.helpful), itemStyle: { color: "#0f8a5f" } },
        { type: "bar", stack: "fb", name: "没帮助", data: fb.map((r) => r.unhelpful), itemStyle: { color: "#c4320a" } },
      ],
    },
  );

  const statuses = f.funnel.statuses;
  draw(
    "chart-funnel",
    statuses.map((s) => `${s.label} ${s.tickets}`).join("，"),
    bars(
      statuses.map((s) => s.label),
      statuses.map((s) => s.tickets),
      {
        name: "工单数",
        label: {
          show: true,
          position: "top",
          formatter: (/** @type {{ dataIndex: number }} */ p) => {
            const hours = statuses[p.dataIndex].median_hours;
            return hours === null ? "" : `停留中位 ${hours} 小时`;
          },
        },
      },
    ),
  );

  const agents = desk.cases_per_agent;
  draw(
    "chart-agents",
    agents.map((a) => `${a.agent} ${a.cases}`).join("，") || "暂无数据",
    bars(
      agents.map((a) => a.agent),
      agents.map((a) => a.cases),
      { name: "接入会话数" },
    ),
  );
}
