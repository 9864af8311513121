/* The key figures at the top of the board. */

import { byId } from "../lib/dom.js";
import { duration } from "../lib/time.js";
import { percent } from "./state.js";

/** @typedef {import("./state.js").Figures} Figures */
/** @typedef {import("./state.js").Percentiles} Percentiles */

/** @param {Percentiles} p */
const medianAnd90 = (p) => `${duration(p.p50)} / ${duration(p.p90)}`;

/** @param {Figures} f */
export function renderKpis(f) {
  /** @type {[string, string | number][]} */
  const tiles = [
    ["period-label", `${f.period.from} 至 ${f.period.to}`],
    ["kpi-conversations", f.conversations.total],
    ["kpi-containment", percent(f.conversations.containment)],
    ["kpi-fallback", percent(f.answers.fallback_rate)],
    ["kpi-ask-back", percent(f.answers.ask_back_rate)],
    ["kpi-not-covered", percent(f.answers.not_covered_rate)],
    ["kpi-wait", medianAnd90(f.desk.wait_to_claim_s)],
    ["kpi-first-reply", medianAnd90(f.desk.first_reply_s)],
    ["kpi-callbacks", `${f.desk.callbacks_done} / ${f.desk.callbacks_requested}`],
  ];
  for (const [id, value] of tiles) byId(id).textContent = String(value);
}
