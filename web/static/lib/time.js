/* Times and durations as the pages show them (the browser's time zone). */

/** @param {number} n */
const pad2 = (n) => String(n).padStart(2, "0");

/**
 * A server timestamp (ISO 8601) as a Date; null when there is none or it cannot be read.
 * @param {string | null | undefined} at
 * @returns {Date | null}
 */
export function parseDate(at) {
  const date = at ? new Date(at) : null;
  return date && !Number.isNaN(date.getTime()) ? date : null;
}

/**
 * 14:05
 * @param {Date} date
 */
export function clock(date) {
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}`;
}

/**
 * 14:05 today, 11-27 14:05 another day; "" without a time.
 * @param {string | null | undefined} at
 */
export function shortTime(at) {
  const date = parseDate(at);
  if (!date) return "";
  const today = date.toDateString() === new Date().toDateString();
  return today ? clock(date) : `${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${clock(date)}`;
}

/**
 * 2026-11-27 14:05; what the server sent if it is not a time.
 * @param {string | null | undefined} at
 */
export function dateTime(at) {
  const date = parseDate(at);
  if (!date) return at || "";
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())} ${clock(date)}`;
}

/**
 * 等待 3 分 12 秒
 * @param {number | null | undefined} seconds
 */
export function waited(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  return `等待 ${Math.floor(s / 60)} 分 ${s % 60} 秒`;
}

/**
 * 45 秒, 2.5 分; – when unknown.
 * @param {number | null | undefined} seconds
 */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return seconds < 90 ? `${Math.round(seconds)} 秒` : `${(seconds / 60).toFixed(1)} 分`;
}
