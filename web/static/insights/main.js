/* 注销助手 insights board. Needs /vendor/echarts.min.js. Leads only (the API checks). */

import { byId } from "../lib/dom.js";
import { RequestError, messageOf, requestJson } from "../lib/request.js";
import { Toast } from "../lib/toast.js";
import { renderCharts, resizeCharts } from "./charts.js";
import { renderKpis } from "./kpis.js";
import { newInsightsState } from "./state.js";
import { exportNlu, renderUnanswered } from "./unanswered.js";

/** @typedef {import("./state.js").Figures} Figures */

const API = "/console/api/insights";
// What to say when the page itself fails (a script that did not load, figures it cannot read).
const PAGE_FAILED = "数据看板加载失败，请刷新页面重试；如仍失败请联系技术支持。";

const state = newInsightsState();
const toast = new Toast(byId("insights-error"), { pageFailed: PAGE_FAILED });
toast.catchStrays();
const board = byId("board");
const gate = byId("gate");
const preset = byId("period-preset", HTMLSelectElement);

/**
 * The board is not shown: say why instead.
 * @param {string} message
 */
function showGate(message) {
  board.hidden = true;
  byId("gate-text").textContent = message;
  gate.hidden = false;
}

/** @param {Figures} f */
function render(f) {
  state.figures = f;
  renderKpis(f);
  renderCharts(f);
  renderUnanswered(f);
  document.querySelectorAll("a.csv").forEach((node) => {
    const link = /** @type {HTMLAnchorElement} */ (node);
    link.href = `${API}/csv/${link.dataset.table}?${state.query}`;
  });
}

async function load() {
  try {
    const figures = /** @type {Figures} */ (await requestJson("GET", `${API}?${state.query}`));
    gate.hidden = true;
    board.hidden = false;
    render(figures);
  } catch (err) {
    const status = err instanceof RequestError ? err.status : 0;
    if (status === 401) showGate("请先登录客服工作台，再打开数据看板。");
    else if (status === 403) showGate(messageOf(err));
    else if (board.hidden) showGate(messageOf(err, PAGE_FAILED)); // nothing shown yet: say so on the page
    else toast.report(err);
  }
}

/** @param {SubmitEvent} event */
function onPeriod(event) {
  event.preventDefault();
  const from = byId("period-from", HTMLInputElement).value;
  const to = byId("period-to", HTMLInputElement).value;
  state.query =
    preset.value === "custom"
      ? `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`
      : `period=${preset.value}`;
  load();
}

preset.addEventListener("change", () => {
  byId("custom-range").hidden = preset.value !== "custom";
});
byId("period-form", HTMLFormElement).addEventListener("submit", onPeriod);
byId("export-nlu").addEventListener("click", () => {
  if (state.figures) exportNlu(state.figures).catch((err) => toast.report(err));
});
window.addEventListener("resize", resizeCharts);
load();
