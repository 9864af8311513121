/* The chat page's link to the assistant: socket.io, messages typed while it was down, the status
 * lines (connection, handoff to a person). */

import { byId, showText } from "../lib/dom.js";
import { connectLive } from "../lib/live.js";
import { normaliseButtons } from "./quick-replies.js";

/** @typedef {import("./state.js").ChatState} ChatState */
/** @typedef {import("./state.js").Utterance} Utterance */
/** @typedef {import("./state.js").MessageContent} MessageContent */
/** @typedef {import("./state.js").Speaker} Speaker */

const OFFLINE = "连接已断开，正在重新连接…";
const HANDOFF = { queued: "已转人工，排队中", claimed: "人工客服已接入", initial: "已转人工" };

/**
 * What the page does with the server's events.
 * @typedef {Object} ChatEvents
 * @property {(kind: Speaker, content: MessageContent) => void} onMessage
 * @property {(on: boolean) => void} onTyping
 * @property {() => void} onCatchUp back after a drop with nothing to send: replies may only be in the history
 */

export class Connection {
  /**
   * @param {ChatState} state
   * @param {ChatEvents} events
   */
  constructor(state, events) {
    this.state = state;
    this.events = events;
    this.status = byId("connection-status");
    this.handoff = byId("handoff-status");
  }

  /** Connect (after the history is shown, so that live messages land below it). */
  start() {
    const { state, events } = this;
    state.live = connectLive({
      // Read at every (re)connect: a frame without our cookie presents its token in the handshake.
      auth: () => {
        /** @type {Record<string, string>} */
        const presented = {};
        if (state.token) presented.token = state.token;
        return presented;
      },
      retryMs: 5000,
      retryAfterKickMs: 3000,
      onStatus: (on) => showText(this.status, on ? "" : OFFLINE),
      onConnect: () => {
        this.emit("session_request", {});
        // Pending messages go out now and their replies arrive live; otherwise catch up from history.
        if (state.outbox.length) this.flush();
        else if (state.wasDisconnected) events.onCatchUp();
        state.wasDisconnected = false;
      },
      onDisconnect: () => {
        state.wasDisconnected = true;
        events.onTyping(false);
      },
      events: {
        session_confirm: () => {},
        bot_uttered: (data) => this.onBotUttered(data),
        typing: (data) => events.onTyping(Boolean(data && data.on)),
        handoff: (data) => this.showHandoff(data && data.state),
        error_message: (data) => {
          if (data && data.text) events.onMessage("system", { text: String(data.text) });
        },
      },
    });
    if (!state.live) showText(this.status, OFFLINE);
  }

  /**
   * Send now, or as soon as the link is back.
   * @param {Utterance} utterance
   */
  send(utterance) {
    if (this.state.live && this.state.live.connected) this.emit("user_uttered", utterance);
    else this.state.outbox.push(utterance);
  }

  flush() {
    const { outbox, live } = this.state;
    while (outbox.length && live && live.connected) live.emit("user_uttered", outbox.shift());
  }

  /**
   * @param {string} event
   * @param {unknown} data
   */
  emit(event, data) {
    if (this.state.live) this.state.live.emit(event, data);
  }

  /** @param {unknown} data */
  onBotUttered(data) {
    this.events.onTyping(false);
    if (!data || typeof data !== "object") return;
    const said = /** @type {Record<string, unknown>} */ (data);
    const quick = Array.isArray(said.quick_replies) && said.quick_replies.length ? said.quick_replies : null;
    const buttons = quick || said.buttons;
    const text = typeof said.text === "string" ? said.text : "";
    if (!text && !normaliseButtons(buttons).length) return; // nothing to show
    const agent = typeof said.agent === "string" && said.agent ? said.agent : null;
    const kind = said.system === true ? "system" : agent ? "agent" : "bot";
    this.events.onMessage(kind, { text, buttons, agent, at: typeof said.at === "string" ? said.at : undefined });
  }

  /**
   * The handoff line from a live event: queued, claimed, or ended (cleared).
   * @param {unknown} handoff
   */
  showHandoff(handoff) {
    if (handoff === "queued" || handoff === "claimed") showText(this.handoff, HANDOFF[handoff]);
    else if (handoff === "ended") showText(this.handoff, "");
  }

  /**
   * The handoff line from the history: a person has the conversation, or not.
   * @param {unknown} handedOff
   */
  showHandedOff(handedOff) {
    if (handedOff === true && this.handoff.hidden) showText(this.handoff, HANDOFF.initial);
    if (handedOff === false) showText(this.handoff, "");
  }
}
