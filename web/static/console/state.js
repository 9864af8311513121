/* The console's state: one declared object, created here, shared by the console's parts. */

/** @typedef {import("../lib/live.js").LiveConnection} LiveConnection */
/** @typedef {import("./api.js").Agent} Agent */
/** @typedef {import("./api.js").CaseSummary} CaseSummary */
/** @typedef {import("./api.js").CaseReply} CaseReply */

/**
 * A case's waiting time when the queue was fetched; it counts up while the case is queued.
 * @typedef {{ seconds: number, live: boolean }} WaitBase
 */

/**
 * @typedef {Object} ConsoleState
 * @property {Agent | null} me the agent logged in; null on the login view
 * @property {LiveConnection | null} live the /console socket while logged in
 * @property {ReturnType<typeof setInterval>[]} timers the poll and the waiting clocks
 * @property {number} page the waiting queue's page shown, from 0
 * @property {Set<string>} selected waiting cases ticked for 关闭所选
 * @property {string} queueSig the queue as last drawn ("": draw it again)
 * @property {number} queueSeq the latest queue request: older answers are dropped
 * @property {number} queueAt when the queue was fetched (ms since the epoch)
 * @property {Map<string, WaitBase>} waitBase each listed case's waiting time at queueAt
 * @property {string | null} openCaseNo the case in the middle column
 * @property {CaseReply | null} openData its last answer from the server
 * @property {string} openSig that answer as drawn ("": draw it again)
 * @property {number} caseSeq the latest case request: older answers are dropped
 * @property {boolean} busy a reply, 转回机器人 or 结束会话 is on its way
 */

/** @returns {ConsoleState} */
export function newConsoleState() {
  return {
    me: null,
    live: null,
    timers: [],
    page: 0,
    selected: new Set(),
    queueSig: "",
    queueSeq: 0,
    queueAt: 0,
    waitBase: new Map(),
    openCaseNo: null,
    openData: null,
    openSig: "",
    caseSeq: 0,
    busy: false,
  };
}

/**
 * Whether the case is claimed by the agent logged in.
 * @param {ConsoleState} state
 * @param {CaseSummary | null | undefined} c
 */
export function isMine(state, c) {
  return Boolean(c && state.me && c.assignee === state.me.username);
}
