/* The middle column: the open case's header (status, call back, 接入此会话) and its transcript. */

import { byId, h, nearBottom } from "../lib/dom.js";
import { dateTime, parseDate, shortTime } from "../lib/time.js";
import { RequestError } from "../lib/request.js";
import * as api from "./api.js";

/** @typedef {import("./state.js").ConsoleState} ConsoleState */
/** @typedef {import("./api.js").CaseSummary} CaseSummary */
/** @typedef {import("./api.js").CaseReply} CaseReply */
/** @typedef {import("./api.js").TranscriptLine} TranscriptLine */
/** @typedef {import("../lib/toast.js").Toast} Toast */

const SENDER = { merchant: "商户", bot: "注销助手", system: "系统" };

/**
 * @typedef {Object} RefreshOptions
 * @property {boolean} [quiet] a background refresh: a network blip is not worth a message
 * @property {boolean} [gone] a 403/404 is expected (the agent just gave the case up)
 */

/**
 * @typedef {Object} CaseViewHooks
 * @property {(caseNo: string | null) => void} onReset another case (or none) is now open
 * @property {(data: CaseReply) => void} onShown the open case was drawn with new data
 * @property {(caseNo: string, button: HTMLButtonElement) => void} onClaim 接入此会话
 */

export class CaseView {
  /**
   * @param {ConsoleState} state
   * @param {Toast} toast
   * @param {CaseViewHooks} hooks
   */
  constructor(state, toast, hooks) {
    this.state = state;
    this.toast = toast;
    this.hooks = hooks;
    this.header = byId("case-header");
    this.transcript = byId("transcript");
  }

  /**
   * Point the view at caseNo (null: nothing open), with placeholders until its data comes.
   * @param {string | null} caseNo
   */
  reset(caseNo) {
    const { state } = this;
    state.openCaseNo = caseNo;
    state.openData = null;
    state.openSig = "";
    state.caseSeq++;
    this.header.replaceChildren(h("div", { class: "placeholder" }, caseNo ? `正在加载 ${caseNo}…` : "请从左侧选择会话"));
    this.transcript.replaceChildren();
    this.hooks.onReset(caseNo);
  }

  clear() {
    this.reset(null);
  }

  /** @param {string} caseNo */
  open(caseNo) {
    if (this.state.openCaseNo !== caseNo) this.reset(caseNo);
    return this.refresh({ quiet: false });
  }

  /**
   * Fetch the open case again and draw what changed. Never throws: a failure is told (in Chinese)
   * unless it is a background refresh's network blip.
   * @param {RefreshOptions} [options]
   */
  async refresh({ quiet = false, gone = false } = {}) {
    const { state } = this;
    const caseNo = state.openCaseNo;
    if (!caseNo || !state.me) return;
    const seq = ++state.caseSeq;
    try {
      const data = await api.getCase(caseNo);
      if (seq === state.caseSeq && state.openCaseNo === caseNo) this.render(data);
    } catch (err) {
      if (seq !== state.caseSeq || state.openCaseNo !== caseNo) return;
      if (err instanceof RequestError && (err.status === 403 || err.status === 404)) {
        this.clear();
        if (!gone) this.toast.report(err);
      } else {
        this.toast.report(err, { quiet });
      }
    }
  }

  /** @param {CaseReply} data */
  render(data) {
    const { state } = this;
    const sig = JSON.stringify(data);
    if (sig === state.openSig) return;
    const firstRender = !state.openData;
    state.openSig = sig;
    state.openData = data;
    this.renderHeader(data.case);
    this.renderTranscript(Array.isArray(data.transcript) ? data.transcript : [], firstRender);
    this.hooks.onShown(data);
  }

  /** @param {CaseSummary} c */
  renderHeader(c) {
    const claimable = c.status === "queued";
    let callback = null;
    if (c.callback_requested) {
      callback = c.callback_done
        ? h("span", { class: "badge status-closed" }, "已回电")
        : h(
            "button",
            {
              type: "button",
              class: "btn small callback-done",
              onclick: (/** @type {MouseEvent} */ e) =>
                this.markCallbackDone(c.case_no, /** @type {HTMLButtonElement} */ (e.currentTarget)),
            },
            "标记已回电",
          );
    }
    const sub = [
      c.reason_label,
      c.created_at ? `创建于 ${dateTime(c.created_at)}` : "",
      c.assignee_name ? `接待客服 ${c.assignee_name}` : "",
      c.linked_ticket_no ? `工单 ${c.linked_ticket_no}` : "",
    ];
    this.header.replaceChildren(
      h(
        "div",
        { class: "case-title" },
        h("strong", null, c.case_no),
        h("span", { class: `badge status-${c.status}` }, c.status_label || c.status),
        c.callback_requested ? h("span", { class: "badge callback" }, "回电") : null,
        c.callback_requested && c.masked_phone ? h("span", { class: "phone" }, c.masked_phone) : null,
        callback,
      ),
      h("div", { class: "case-sub muted" }, sub.filter(Boolean).join(" · ")),
      ...(claimable
        ? [
            h(
              "button",
              {
                type: "button",
                class: "btn small primary header-claim",
                onclick: (/** @type {MouseEvent} */ e) =>
                  this.hooks.onClaim(c.case_no, /** @type {HTMLButtonElement} */ (e.currentTarget)),
              },
              "接入此会话",
            ),
          ]
        : []),
    );
  }

  /**
   * 标记已回电, then the case as it is now.
   * @param {string} caseNo
   * @param {HTMLButtonElement} button
   */
  async markCallbackDone(caseNo, button) {
    button.disabled = true;
    try {
      await api.caseAction(caseNo, "callback-done");
    } catch (err) {
      this.toast.report(err);
      button.disabled = false;
      return;
    }
    await this.refresh();
  }

  /**
   * @param {TranscriptLine[]} messages
   * @param {boolean} forceBottom the case was just opened: show its end
   */
  renderTranscript(messages, forceBottom) {
    const box = this.transcript;
    const stick = forceBottom || nearBottom(box);
    const lines = messages.map((m) => {
      const kind = m.from === "merchant" || m.from === "bot" || m.from === "agent" ? m.from : "system";
      const sender = kind === "agent" ? (m.agent ? `客服 ${m.agent}` : "客服") : SENDER[kind];
      const date = parseDate(m.at);
      return h(
        "div",
        { class: `msg ${kind}` },
        h(
          "div",
          { class: "msg-meta" },
          h("span", { class: "sender" }, sender),
          h("time", { dateTime: date ? date.toISOString() : "" }, shortTime(m.at)),
        ),
        h("div", { class: "text" }, m.text || ""),
      );
    });
    box.replaceChildren(...(lines.length ? lines : [h("div", { class: "placeholder" }, "暂无消息")]));
    if (stick) box.scrollTop = box.scrollHeight;
  }
}
