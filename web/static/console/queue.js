/* The left column: cases waiting (paged, with 关闭所选) and the agent's own, with waiting clocks. */

import { byId, h } from "../lib/dom.js";
import { waited } from "../lib/time.js";
import * as api from "./api.js";

/** @typedef {import("./state.js").ConsoleState} ConsoleState */
/** @typedef {import("./api.js").CaseSummary} CaseSummary */
/** @typedef {import("./api.js").QueueReply} QueueReply */
/** @typedef {import("../lib/toast.js").Toast} Toast */

const TITLE = "注销助手 · 客服工作台";

/**
 * @typedef {Object} QueueHooks
 * @property {(caseNo: string) => void} onOpen a case was clicked (or just claimed)
 */

export class Queue {
  /**
   * @param {ConsoleState} state
   * @param {Toast} toast
   * @param {QueueHooks} hooks
   */
  constructor(state, toast, hooks) {
    this.state = state;
    this.toast = toast;
    this.hooks = hooks;
    this.online = byId("agents-online");
    this.waiting = byId("queue-waiting");
    this.mine = byId("queue-mine");
    this.waitingCount = byId("waiting-count");
    this.mineCount = byId("mine-count");
    this.closeSelectedButton = byId("close-selected", HTMLButtonElement);
    this.pagePrev = byId("page-prev", HTMLButtonElement);
    this.pageNext = byId("page-next", HTMLButtonElement);
    this.pageLabel = byId("page-label");
    this.closeSelectedButton.addEventListener("click", () => this.closeSelected());
    this.pagePrev.addEventListener("click", () => this.turnPage(-1));
    this.pageNext.addEventListener("click", () => this.turnPage(1));
  }

  /** @param {boolean} quiet a background refresh (a network blip is not worth a message) */
  async refresh(quiet) {
    const { state } = this;
    if (!state.me) return;
    const seq = ++state.queueSeq;
    try {
      const data = await api.queue(state.page);
      if (seq === state.queueSeq && state.me) this.render(data);
    } catch (err) {
      this.toast.report(err, { quiet });
    }
  }

  /** @param {QueueReply} data */
  render(data) {
    const { state } = this;
    const waiting = Array.isArray(data.waiting) ? data.waiting : [];
    const mine = Array.isArray(data.mine) ? data.mine : [];
    state.queueAt = Date.now();
    state.waitBase = new Map();
    for (const c of waiting.concat(mine)) {
      state.waitBase.set(c.case_no, { seconds: c.waiting_seconds || 0, live: c.status === "queued" });
    }
    this.online.textContent = `在线客服 ${Number(data.agents_online) || 0} 人`;
    const total = Number(data.waiting_total) || waiting.length;
    document.title = (total ? `(${total}) ` : "") + TITLE;
    this.renderPager(total, Number(data.page) || 0, Number(data.page_size) || waiting.length || 1);

    // Redrawn only when something other than the clocks changed (a tick keeps those up).
    /** @param {CaseSummary[]} list */
    const strip = (list) => list.map((c) => ({ ...c, waiting_seconds: 0 }));
    const sig = JSON.stringify([strip(waiting), strip(mine)]);
    if (sig !== state.queueSig) {
      state.queueSig = sig;
      this.waitingCount.textContent = String(total);
      state.selected = new Set([...state.selected].filter((no) => waiting.some((c) => c.case_no === no)));
      this.updateCloseSelected();
      this.mineCount.textContent = String(mine.length);
      this.waiting.replaceChildren(
        ...(waiting.length
          ? waiting.map((c) => this.card(c, true))
          : [h("div", { class: "empty" }, "暂无等待接入的会话")]),
      );
      this.mine.replaceChildren(
        ...(mine.length ? mine.map((c) => this.card(c, false)) : [h("div", { class: "empty" }, "暂无进行中的会话")]),
      );
      this.markActive();
    }
    this.tick();
  }

  /**
   * "Page 2 of 5" and its buttons: a flood of requests never hides the rest of the queue.
   * @param {number} total
   * @param {number} page
   * @param {number} size
   */
  renderPager(total, page, size) {
    const { state } = this;
    const pages = Math.max(1, Math.ceil(total / size));
    state.page = Math.min(page, pages - 1);
    this.pageLabel.textContent = pages > 1 ? `第 ${state.page + 1} / ${pages} 页` : "";
    this.pagePrev.disabled = state.page <= 0;
    this.pageNext.disabled = state.page >= pages - 1;
  }

  /** @param {number} delta */
  turnPage(delta) {
    this.state.page = Math.max(0, this.state.page + delta);
    this.state.queueSig = "";
    this.refresh(false);
  }

  /** Count the waiting times up every second without refetching. */
  tick() {
    const { state } = this;
    const elapsed = Math.floor((Date.now() - state.queueAt) / 1000);
    for (const node of this.cards()) {
      const info = state.waitBase.get(node.dataset.caseNo || "");
      const clock = node.querySelector(".wait");
      if (info && clock) clock.textContent = waited(info.seconds + (info.live ? elapsed : 0));
    }
  }

  /** Highlight the open case. */
  markActive() {
    for (const node of this.cards()) node.classList.toggle("active", node.dataset.caseNo === this.state.openCaseNo);
  }

  /** @returns {HTMLElement[]} */
  cards() {
    return [...document.querySelectorAll("#queue .case")].filter((node) => node instanceof HTMLElement);
  }

  updateCloseSelected() {
    const n = this.state.selected.size;
    this.closeSelectedButton.disabled = n === 0;
    this.closeSelectedButton.textContent = n ? `关闭所选（${n}）` : "关闭所选";
  }

  async closeSelected() {
    const { state } = this;
    const numbers = [...state.selected];
    const question = `确定关闭所选的 ${numbers.length} 个等待中的会话吗？商户会收到会话结束的提示。`;
    if (!numbers.length || !window.confirm(question)) return;
    this.closeSelectedButton.disabled = true;
    try {
      const result = await api.closeWaiting(numbers);
      const notHandedBack = result.not_handed_back || [];
      if (notHandedBack.length) {
        this.toast.show(
          `已关闭 ${(result.closed || []).length} 个会话；其中 ${notHandedBack.length} 个会话的记录暂未能交还注销助手` +
            `（${notHandedBack.join("、")}），商户已收到结束提示，再发消息时由注销助手接待。`,
        );
      }
      state.selected = new Set();
      state.queueSig = "";
    } catch (err) {
      this.toast.report(err);
    }
    this.updateCloseSelected();
    this.refresh(true);
  }

  /**
   * Claim a case (of two agents, only one gets it) and open it.
   * @param {string} caseNo
   * @param {HTMLButtonElement} [button] disabled while the claim is on its way
   */
  async claim(caseNo, button) {
    if (button) button.disabled = true;
    try {
      await api.caseAction(caseNo, "claim");
      this.hooks.onOpen(caseNo);
    } catch (err) {
      this.toast.report(err);
      if (button) button.disabled = false;
    }
    this.refresh(true);
  }

  /**
   * @param {CaseSummary} c
   * @param {boolean} waiting in the waiting list (a tick box and 接入), else the agent's own
   */
  card(c, waiting) {
    const { state } = this;
    const open = () => this.hooks.onOpen(c.case_no);
    const pick = waiting
      ? h("input", {
          type: "checkbox",
          class: "case-pick",
          title: "选择此会话",
          "aria-label": `选择会话 ${c.case_no}`,
          checked: state.selected.has(c.case_no),
          onclick: (/** @type {Event} */ e) => e.stopPropagation(),
          onchange: (/** @type {Event} */ e) => {
            if (/** @type {HTMLInputElement} */ (e.currentTarget).checked) state.selected.add(c.case_no);
            else state.selected.delete(c.case_no);
            this.updateCloseSelected();
          },
        })
      : null;
    return h(
      "div",
      {
        class: "case",
        data: { caseNo: c.case_no },
        tabIndex: 0,
        role: "button",
        onclick: open,
        onkeydown: (/** @type {KeyboardEvent} */ e) => {
          if (e.key === "Enter") open();
        },
      },
      h(
        "div",
        { class: "case-top" },
        pick,
        h("span", { class: "case-no" }, c.case_no),
        h("span", { class: `badge status-${c.status}` }, c.status_label || c.status),
      ),
      h("div", { class: "case-reason" }, c.reason_label || ""),
      c.last_message ? h("div", { class: "case-last", title: c.last_message }, c.last_message) : null,
      h(
        "div",
        { class: "case-meta" },
        h("span", { class: "wait" }, waited(c.waiting_seconds)),
        c.callback_requested ? h("span", { class: "badge callback" }, "回电") : null,
        c.callback_requested && c.masked_phone ? h("span", { class: "phone" }, c.masked_phone) : null,
        c.linked_ticket_no ? h("span", { class: "ticket-ref" }, c.linked_ticket_no) : null,
      ),
      waiting
        ? h(
            "button",
            {
              type: "button",
              class: "btn small primary claim-button",
              onclick: (/** @type {MouseEvent} */ e) => {
                e.stopPropagation();
                this.claim(c.case_no, /** @type {HTMLButtonElement} */ (e.currentTarget));
              },
            },
            "接入",
          )
        : null,
    );
  }
}
