/* The box the merchant types in. */

import { byId } from "../lib/dom.js";

const MAX_LENGTH = 500;

/**
 * Hand each message typed (trimmed, at most MAX_LENGTH characters) to `onSend`.
 * @param {(text: string) => void} onSend
 */
export function setupComposer(onSend) {
  const form = byId("composer", HTMLFormElement);
  const input = byId("message-input", HTMLInputElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim().slice(0, MAX_LENGTH);
    if (!text) return;
    input.value = "";
    onSend(text);
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    // Enter that confirms a Chinese IME candidate must not send.
    if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) event.preventDefault();
  });
}
