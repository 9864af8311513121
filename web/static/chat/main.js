/* 注销助手 merchant chat page (also the widget's frame). Needs /vendor/socket.io.min.js. */

import { byId } from "../lib/dom.js";
import { RequestError } from "../lib/request.js";
import { setupComposer } from "./composer.js";
import { Connection } from "./connection.js";
import { newChatState } from "./state.js";
import { Transcript, fetchHistory } from "./transcript.js";

/** @typedef {import("./state.js").QuickReply} QuickReply */

const HISTORY_FAILED = "历史消息加载失败，您可以继续提问。";

const state = newChatState();

const transcript = new Transcript(pick);
const connection = new Connection(state, {
  onMessage: (kind, content) => transcript.add(kind, content),
  onTyping: (on) => transcript.setTyping(on),
  onCatchUp: () => loadHistory(true),
});

/**
 * The merchant says something: shown at once, sent when the link allows.
 * @param {string} text what the page shows
 * @param {string} [payload] what is sent instead (a button's)
 */
function say(text, payload) {
  transcript.spendQuickReplies();
  transcript.add("merchant", { text });
  connection.send(payload === undefined ? { message: text } : { message: payload, title: text });
}

/** @param {QuickReply} button */
function pick(button) {
  say(button.title, button.payload);
}

/**
 * Show the conversation so far.
 * @param {boolean} replace re-sync after a reconnect (replies sent while we were away are only in the history)
 */
async function loadHistory(replace) {
  try {
    const history = await fetchHistory(state);
    transcript.show(history, replace);
    connection.showHandedOff(history.handed_off);
  } catch (err) {
    if (!(err instanceof RequestError)) console.error(err);
    // The server says why in Chinese when it can (busy, unavailable).
    const said = err instanceof RequestError && err.fromServer ? err.message : HISTORY_FAILED;
    if (!replace) transcript.add("system", { text: said });
  }
}

function setupEmbed() {
  if (!state.embedded) return;
  document.documentElement.classList.add("embed");
  if (window.parent && window.parent !== window) {
    const close = byId("embed-close", HTMLButtonElement);
    close.hidden = false;
    close.addEventListener("click", () => window.parent.postMessage({ type: "zhuxiao:close" }, "*"));
  }
}

setupEmbed();
setupComposer((text) => say(text));
// The history first, so that live messages land below it (no top-level await: Safari 14).
loadHistory(false).then(() => connection.start());
