/* The right column: the deregistration ticket linked to the open case, its history, its moves. */

import { byId, h } from "../lib/dom.js";
import { dateTime } from "../lib/time.js";
import * as api from "./api.js";
import { isMine } from "./state.js";

/** @typedef {import("./state.js").ConsoleState} ConsoleState */
/** @typedef {import("./api.js").Ticket} Ticket */
/** @typedef {import("../lib/toast.js").Toast} Toast */

/**
 * @typedef {Object} TicketPanelHooks
 * @property {() => void} onMoved the ticket was moved (or the move failed): fetch the case again
 */

export class TicketPanel {
  /**
   * @param {ConsoleState} state
   * @param {Toast} toast
   * @param {TicketPanelHooks} hooks
   */
  constructor(state, toast, hooks) {
    this.state = state;
    this.toast = toast;
    this.hooks = hooks;
    this.panel = byId("ticket-panel");
  }

  /** @param {string | null} caseNo the case being loaded; null: none open */
  placeholder(caseNo) {
    this.panel.replaceChildren(h("div", { class: "placeholder" }, caseNo ? "加载中…" : "未选择会话"));
  }

  /** @param {Ticket | null} ticket */
  render(ticket) {
    if (!ticket) {
      this.panel.replaceChildren(h("div", { class: "placeholder" }, "该会话未关联注销工单"));
      return;
    }
    const open = this.state.openData;
    const canMove = isMine(this.state, open && open.case);
    const fields = [
      ["工单号", ticket.ticket_no],
      ["状态", ticket.status_label || ticket.status],
      ["商户号", ticket.merchant_no],
      ["终端序列号", ticket.terminal_sn],
      ["联系电话", ticket.phone],
      ["注销原因", ticket.reason_label],
      ["余额", ticket.balance_cleared ? "已结清" : "未结清"],
      ["提交时间", dateTime(ticket.created_at)],
    ];
    const history = Array.isArray(ticket.history) ? ticket.history : [];
    const next = Array.isArray(ticket.next_statuses) ? ticket.next_statuses : [];
    this.panel.replaceChildren(
      h("h2", null, "注销工单"),
      h(
        "dl",
        { class: "fields" },
        fields.map(([name, value]) => [h("dt", null, name), h("dd", null, value || "—")]),
      ),
      h("h3", null, "处理记录"),
      history.length
        ? h(
            "ol",
            { class: "history" },
            history.map((item) =>
              h(
                "li",
                null,
                h(
                  "div",
                  { class: "history-top" },
                  h("span", null, [item.actor_label, item.actor_name].filter(Boolean).join(" ")),
                  h("time", null, dateTime(item.at)),
                ),
                h("div", { class: "history-change" }, item.from_label ? `${item.from_label} → ${item.to_label}` : item.to_label),
                item.note ? h("div", { class: "history-note" }, item.note) : null,
              ),
            ),
          )
        : h("div", { class: "muted" }, "暂无记录"),
      h("h3", null, "变更状态"),
      next.length
        ? h(
            "div",
            { class: "move-actions" },
            next.map((s) =>
              h(
                "button",
                {
                  type: "button",
                  class: "btn small move-button",
                  data: { status: s.value },
                  disabled: !canMove,
                  title: canMove ? "" : "接入该会话后可操作",
                  onclick: () => this.move(ticket.ticket_no, s.value, s.label),
                },
                `改为「${s.label}」`,
              ),
            ),
          )
        : h("div", { class: "muted" }, "当前状态无可执行的变更"),
    );
  }

  /**
   * Move the ticket, with an optional note (recorded as this agent).
   * @param {string} ticketNo
   * @param {string} status
   * @param {string} label
   */
  async move(ticketNo, status, label) {
    const note = window.prompt(`将工单 ${ticketNo} 改为「${label}」\n备注（可选）：`, "");
    if (note === null) return;
    try {
      const data = await api.moveTicket(ticketNo, status, note.trim());
      const open = this.state.openData;
      if (data.ticket && open && open.ticket && open.ticket.ticket_no === ticketNo) {
        open.ticket = data.ticket;
        this.state.openSig = "";
        this.render(data.ticket);
      }
    } catch (err) {
      this.toast.report(err);
    }
    this.hooks.onMoved();
  }
}
