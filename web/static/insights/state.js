/* The board's state and the figures it gets (GET /console/api/insights, web/insights_api.py). */

/** @typedef {{ p50: number | null, p90: number | null }} Percentiles */

/**
 * @typedef {Object} Figures
 * @property {{ from: string, to: string }} period
 * @property {{ per_day: { day: string, conversations: number }[], total: number, containment: number | null,
 *   handoff_rate: Record<string, number | null>, handoffs: Record<string, number> }} conversations
 * @property {{ outcomes: Record<string, number>, fallback_rate: number | null, ask_back_rate: number | null,
 *   not_covered_rate: number | null, top_topics: { topic: string, answers: number }[],
 *   trend: Record<string, { day: string, answers: number }[]> }} answers
 * @property {{ topic: string, helpful: number, unhelpful: number }[]} feedback
 * @property {{ statuses: { status: string, label: string, tickets: number, median_hours: number | null }[] }} funnel
 * @property {{ wait_to_claim_s: Percentiles, first_reply_s: Percentiles, cases_per_agent: { agent: string, cases: number }[],
 *   callbacks_requested: number, callbacks_done: number }} desk
 * @property {UnansweredGroup[]} unanswered
 * @property {number} unanswered_total
 * @property {Record<string, string>} topics topic key → title ("": not recognised)
 * @property {Record<string, string>} outcome_labels
 */

/**
 * Questions the bot could not answer, grouped by similarity.
 * @typedef {{ example: string, count: number, texts: string[] }} UnansweredGroup
 */

/**
 * @typedef {Object} InsightsState
 * @property {string} query the period asked for, as the API's query string
 * @property {Figures | null} figures the last figures shown
 */

/** @returns {InsightsState} */
export function newInsightsState() {
  return { query: "period=7d", figures: null };
}

/**
 * A topic's title (its key when unknown).
 * @param {Figures} figures
 * @param {string | null | undefined} key
 */
export function topicName(figures, key) {
  return figures.topics[key || ""] || key || "";
}

/**
 * 12.5%; – when there is nothing to divide by.
 * @param {number | null | undefined} x
 */
export function percent(x) {
  return x === null || x === undefined ? "–" : `${(x * 100).toFixed(1)}%`;
}
