/* Buttons under a message: the topics, yes / no, and 有帮助 / 没帮助 under an answer. */

import { h } from "../lib/dom.js";

/** @typedef {import("./state.js").QuickReply} QuickReply */

/**
 * Rasa's quick_replies or buttons as [{title, payload}]; anything else as none.
 * @param {unknown} list
 * @returns {QuickReply[]}
 */
export function normaliseButtons(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((b) => b && typeof b === "object" && (b.title || b.payload))
    .map((b) => ({ title: String(b.title || b.payload), payload: String(b.payload || b.title) }));
}

/**
 * A row of buttons; a click spends the row and hands the button to `onPick`.
 * @param {QuickReply[]} buttons
 * @param {(button: QuickReply) => void} onPick
 */
export function quickReplies(buttons, onPick) {
  const row = h("div", { class: "quick-replies" });
  row.append(
    ...buttons.map((button) =>
      h("button", { type: "button", class: "quick-reply", onclick: () => onPick(button) }, button.title),
    ),
  );
  return row;
}

/**
 * Once the merchant says anything, older buttons are stale: disable them.
 * @param {HTMLElement} root
 */
export function spendQuickReplies(root) {
  root.querySelectorAll("button.quick-reply").forEach((button) => {
    /** @type {HTMLButtonElement} */ (button).disabled = true;
  });
}
