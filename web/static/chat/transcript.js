/* The conversation on the chat page: messages, the typing indicator, the history. */

import { byId, h, nearBottom } from "../lib/dom.js";
import { requestJson } from "../lib/request.js";
import { clock, parseDate } from "../lib/time.js";
import { TOKEN_HEADER, keepToken } from "./identity.js";
import { normaliseButtons, quickReplies, spendQuickReplies } from "./quick-replies.js";

/** @typedef {import("./state.js").Speaker} Speaker */
/** @typedef {import("./state.js").QuickReply} QuickReply */
/** @typedef {import("./state.js").MessageContent} MessageContent */
/** @typedef {import("./state.js").History} History */
/** @typedef {import("./state.js").ChatState} ChatState */

const BOT_NAME = "注销助手";
const HISTORY_TIMEOUT_MS = 8000;

/**
 * The conversation so far (a RequestError when it cannot be had). The page's first call starts its
 * conversation; in a partner's frame it also brings the token the frame keeps (identity.js).
 * @param {ChatState} state
 * @returns {Promise<History>}
 */
export async function fetchHistory(state) {
  const url = state.embedded ? "/chat/history?embed=1" : "/chat/history";
  const headers = state.token ? { [TOKEN_HEADER]: state.token } : undefined;
  const body = await requestJson("GET", url, { timeoutMs: HISTORY_TIMEOUT_MS, headers });
  const history = body && typeof body === "object" ? /** @type {History} */ (body) : {};
  if (typeof history.token === "string" && history.token) {
    state.token = history.token;
    keepToken(history.token);
  }
  return history;
}

/**
 * The message's speaker from a stored message's fields.
 * @param {string | undefined} from
 * @param {string | null | undefined} agent
 * @returns {Speaker}
 */
function speakerOf(from, agent) {
  if (from === "merchant" || from === "system") return from;
  if (from === "agent" || (typeof agent === "string" && agent)) return "agent";
  return "bot";
}

export class Transcript {
  /**
   * @param {(button: QuickReply) => void} onPick a quick reply was clicked
   */
  constructor(onPick) {
    this.body = byId("chat-body");
    this.messages = byId("messages");
    this.typing = byId("typing");
    this.onPick = onPick;
  }

  /**
   * Append one message; the view follows it if it was at the bottom (always for the merchant's own).
   * @param {Speaker} kind
   * @param {MessageContent} content
   */
  add(kind, content) {
    const stick = kind === "merchant" || nearBottom(this.body);
    const date = parseDate(content.at) || new Date();
    const buttons = normaliseButtons(content.buttons);
    let sender = null;
    if (kind === "bot") sender = BOT_NAME;
    if (kind === "agent") sender = content.agent ? `人工客服 · ${content.agent}` : "人工客服";
    const avatar = kind === "bot" || kind === "agent";
    this.messages.append(
      h(
        "div",
        { class: `msg ${kind}` },
        avatar ? h("div", { class: "avatar", "aria-hidden": "true" }, kind === "agent" ? "客" : "注") : null,
        h(
          "div",
          { class: "msg-body" },
          sender ? h("div", { class: "sender" }, sender) : null,
          h("div", { class: content.text ? "bubble" : "bubble empty" }, h("div", { class: "text" }, content.text || "")),
          buttons.length ? quickReplies(buttons, this.onPick) : null,
          h("time", { dateTime: date.toISOString() }, clock(date)),
        ),
      ),
    );
    if (stick) this.toBottom();
  }

  /** Buttons already answered are spent. */
  spendQuickReplies() {
    spendQuickReplies(this.messages);
  }

  /** @param {boolean} on */
  setTyping(on) {
    const stick = nearBottom(this.body);
    this.typing.hidden = !on;
    if (on && stick) this.toBottom();
  }

  toBottom() {
    this.body.scrollTop = this.body.scrollHeight;
  }

  /**
   * The history: the greeting first (when the page is empty), then every stored message.
   * @param {History} history
   * @param {boolean} replace re-sync after a reconnect: what was shown is replaced
   */
  show(history, replace) {
    if (replace) this.messages.replaceChildren();
    const welcome = history.welcome;
    if (welcome && typeof welcome.text === "string" && !this.messages.childElementCount) {
      this.add("bot", { text: welcome.text, buttons: welcome.buttons });
    }
    const messages = Array.isArray(history.messages) ? history.messages : [];
    for (const m of messages) {
      if (!m) continue;
      const kind = speakerOf(m.from, m.agent);
      // Buttons on a message the merchant already answered are stale.
      if (kind === "merchant") this.spendQuickReplies();
      const agent = typeof m.agent === "string" && m.agent ? m.agent : "";
      this.add(kind, { text: m.text, buttons: m.buttons, agent, at: m.at });
    }
    this.toBottom();
  }
}
