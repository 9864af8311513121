/* The reply box under the transcript, with 转回机器人 and 结束会话. */

import { byId } from "../lib/dom.js";
import * as api from "./api.js";
import { isMine } from "./state.js";

/** @typedef {import("./state.js").ConsoleState} ConsoleState */
/** @typedef {import("../lib/toast.js").Toast} Toast */

/**
 * @typedef {Object} ReplyBoxHooks
 * @property {(gone: boolean) => Promise<void>} onDone an action ended (well or not): fetch the case
 *   again (gone: it may no longer be this agent's) and the queue
 */

export class ReplyBox {
  /**
   * @param {ConsoleState} state
   * @param {Toast} toast
   * @param {ReplyBoxHooks} hooks
   */
  constructor(state, toast, hooks) {
    this.state = state;
    this.toast = toast;
    this.hooks = hooks;
    this.input = byId("reply-input", HTMLTextAreaElement);
    this.sendButton = byId("reply-send", HTMLButtonElement);
    this.hint = byId("reply-hint");
    this.returnButton = byId("return-button", HTMLButtonElement);
    this.closeButton = byId("close-button", HTMLButtonElement);
    this.sendButton.addEventListener("click", () => this.send());
    this.returnButton.addEventListener("click", () => this.act("return", {}, true));
    this.closeButton.addEventListener("click", () => this.close());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
        e.preventDefault();
        this.send();
      }
    });
  }

  /** Another case is open: nothing typed carries over. */
  reset() {
    this.input.value = "";
    this.update();
  }

  /** Enable what the agent may do now, and say why not otherwise. */
  update() {
    const { state } = this;
    const c = state.openData && state.openData.case;
    const active = Boolean(c && isMine(state, c) && c.status === "claimed");
    for (const control of [this.input, this.sendButton, this.returnButton, this.closeButton]) {
      control.disabled = !active || state.busy;
    }
    if (!c) this.hint.textContent = state.openCaseNo ? "加载中…" : "请选择会话";
    else if (active) this.hint.textContent = "Ctrl+Enter 发送";
    else if (c.status === "queued") this.hint.textContent = "只读预览：接入后可回复";
    else if (c.status === "claimed") this.hint.textContent = "该会话由其他客服接待";
    else this.hint.textContent = "会话已结束或已转回机器人";
  }

  /**
   * One action on the open case, the controls disabled meanwhile.
   * @param {"reply" | "return" | "close"} action
   * @param {unknown} body
   * @param {boolean} gone the case leaves the agent if it succeeds
   * @returns {Promise<boolean>} whether it succeeded
   */
  async act(action, body, gone) {
    const { state } = this;
    const caseNo = state.openCaseNo;
    if (!caseNo || state.busy) return false;
    state.busy = true;
    this.update();
    let ok = false;
    try {
      await api.caseAction(caseNo, action, body);
      ok = true;
    } catch (err) {
      this.toast.report(err);
    } finally {
      state.busy = false;
      this.update();
    }
    await this.hooks.onDone(gone);
    return ok;
  }

  async send() {
    const text = this.input.value.trim();
    if (!text || this.sendButton.disabled) return;
    if (await this.act("reply", { text }, false)) {
      this.input.value = "";
      this.input.focus();
    }
  }

  close() {
    const caseNo = this.state.openCaseNo;
    if (!caseNo || !window.confirm(`确定结束会话 ${caseNo} 吗？结束后商户将无法继续与您对话。`)) return;
    this.act("close", {}, true);
  }
}
