/* The console API (/console/api, web/console_api.py): its answers' shapes and one function per call. */

import { RequestError, requestJson } from "../lib/request.js";

const API = "/console/api";

/** @typedef {{ username: string, display_name: string, is_lead: boolean }} Agent */

/**
 * A handoff case (case_json).
 * @typedef {Object} CaseSummary
 * @property {string} case_no
 * @property {string} status queued | claimed | returned | closed
 * @property {string} [status_label]
 * @property {string} [reason_label]
 * @property {string | null} [created_at]
 * @property {number} [waiting_seconds]
 * @property {string | null} [assignee]
 * @property {string | null} [assignee_name]
 * @property {boolean} [callback_requested]
 * @property {boolean} [callback_done]
 * @property {string | null} [masked_phone]
 * @property {string | null} [linked_ticket_no]
 * @property {string | null} [last_message]
 */

/**
 * @typedef {Object} QueueReply
 * @property {CaseSummary[]} waiting this page of the waiting cases, oldest first
 * @property {number} waiting_total
 * @property {number} page
 * @property {number} page_size
 * @property {CaseSummary[]} mine
 * @property {number} agents_online
 */

/**
 * One line of a case's transcript.
 * @typedef {{ from?: string, text?: string, agent?: string | null, at?: string }} TranscriptLine
 */

/**
 * @typedef {Object} HistoryItem
 * @property {string} [at]
 * @property {string} [actor_label]
 * @property {string | null} [actor_name]
 * @property {string | null} [from_label]
 * @property {string} [to_label]
 * @property {string | null} [note]
 */

/**
 * The deregistration ticket linked to a case (ticket_json).
 * @typedef {Object} Ticket
 * @property {string} ticket_no
 * @property {string} status
 * @property {string} [status_label]
 * @property {string | null} [merchant_no] masked
 * @property {string | null} [terminal_sn]
 * @property {string | null} [phone] masked
 * @property {string | null} [reason_label]
 * @property {boolean} [balance_cleared]
 * @property {string | null} [created_at]
 * @property {HistoryItem[]} [history]
 * @property {{ value: string, label: string }[]} [next_statuses]
 */

/**
 * @typedef {Object} CaseReply
 * @property {CaseSummary} case
 * @property {TranscriptLine[]} transcript
 * @property {Ticket | null} ticket
 */

/** @type {() => boolean} */
let onUnauthorized = () => false;

/**
 * What a 401 does (back to the login view); it returns whether someone was logged in.
 * @param {() => boolean} handler
 */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/**
 * @param {string} method
 * @param {string} path under /console/api
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
async function call(method, path, body) {
  try {
    return await requestJson(method, API + path, { body });
  } catch (err) {
    // A session that ended leads back to the login, which says enough when nobody was logged in.
    if (err instanceof RequestError && err.status === 401 && path !== "/login") err.silent = !onUnauthorized();
    throw err;
  }
}

const enc = encodeURIComponent;

/**
 * @param {string} username
 * @param {string} password
 */
export const login = async (username, password) =>
  /** @type {Agent} */ (await call("POST", "/login", { username, password }));
export const logout = () => call("POST", "/logout");
export const me = async () => /** @type {Agent} */ (await call("GET", "/me"));

/** @param {number} page */
export const queue = async (page) => /** @type {QueueReply} */ (await call("GET", `/queue?page=${page}`));

/** @param {string[]} caseNos */
export const closeWaiting = async (caseNos) =>
  /** @type {{ closed?: string[], not_handed_back?: string[] }} */ (
    await call("POST", "/cases/close-waiting", { case_nos: caseNos })
  );

/** @param {string} caseNo */
export const getCase = async (caseNo) => /** @type {CaseReply} */ (await call("GET", `/cases/${enc(caseNo)}`));

/**
 * claim, reply, return, close or callback-done.
 * @param {string} caseNo
 * @param {"claim" | "reply" | "return" | "close" | "callback-done"} action
 * @param {unknown} [body]
 */
export const caseAction = (caseNo, action, body) => call("POST", `/cases/${enc(caseNo)}/${action}`, body);

/**
 * @param {string} ticketNo
 * @param {string} status
 * @param {string} note
 */
export const moveTicket = async (ticketNo, status, note) =>
  /** @type {{ ticket?: Ticket }} */ (await call("POST", `/tickets/${enc(ticketNo)}/move`, { status, note }));
