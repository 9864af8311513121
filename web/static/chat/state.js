/* The chat page's state and the shapes it gets from the server. */

import { storedToken } from "./identity.js";

/** @typedef {import("../lib/live.js").LiveConnection} LiveConnection */

/** @typedef {"merchant" | "bot" | "agent" | "system"} Speaker */

/**
 * A button under a message: Rasa's quick_replies or buttons, normalised.
 * @typedef {{ title: string, payload: string }} QuickReply
 */

/**
 * What the page sends with user_uttered: the text typed, or a button's payload and title.
 * @typedef {{ message: string, title?: string }} Utterance
 */

/**
 * One message of the history (GET /chat/history).
 * @typedef {Object} StoredMessage
 * @property {string} [from] merchant | bot | agent | system
 * @property {string} [text]
 * @property {unknown} [buttons]
 * @property {string | null} [agent] the agent's name on an agent's message
 * @property {string} [at] ISO 8601
 */

/**
 * GET /chat/history: the conversation so far and the greeting shown above it (never stored).
 * @typedef {Object} History
 * @property {StoredMessage[]} [messages]
 * @property {boolean} [handed_off]
 * @property {{ text: string, buttons?: unknown } | null} [welcome]
 * @property {string} [token] the conversation's token (only when asked for with embed=1)
 */

/**
 * What one message shows.
 * @typedef {Object} MessageContent
 * @property {string} [text]
 * @property {unknown} [buttons] as the server sent them (see normaliseButtons)
 * @property {string | null} [agent]
 * @property {string} [at] ISO 8601; now when absent
 */

/**
 * @typedef {Object} ChatState
 * @property {boolean} embedded shown in a partner site's frame (?embed=1)
 * @property {string | null} token the conversation token the frame presents itself (see identity.js)
 * @property {LiveConnection | null} live null until connected, or when socket.io did not load
 * @property {Utterance[]} outbox typed while the socket was down, sent after the next session_request
 * @property {boolean} wasDisconnected the link dropped since the last connect: catch up from the history
 */

/** @returns {ChatState} */
export function newChatState() {
  const embedded = new URLSearchParams(window.location.search).get("embed") === "1";
  return {
    embedded,
    token: embedded ? storedToken() : null,
    live: null,
    outbox: [],
    wasDisconnected: false,
  };
}
