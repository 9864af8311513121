/* The message box at the top of the console and the board (role="alert" in the page). */

import { PAGE_FAILED, RequestError, messageOf } from "./request.js";

/**
 * @typedef {Object} ReportOptions
 * @property {boolean} [quiet] a background refresh: a network blip is not worth a message (the next one retries)
 */

export class Toast {
  /**
   * @param {HTMLElement} node
   * @param {{ hideAfterMs?: number, pageFailed?: string }} [options]
   *   hideAfterMs: 0 keeps it until clicked; pageFailed: what to say of the page's own errors
   */
  constructor(node, { hideAfterMs = 0, pageFailed = PAGE_FAILED } = {}) {
    this.node = node;
    this.hideAfterMs = hideAfterMs;
    this.pageFailed = pageFailed;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    node.addEventListener("click", () => this.hide());
  }

  /** @param {string} message */
  show(message) {
    this.node.textContent = message;
    this.node.hidden = false;
    clearTimeout(this.timer);
    if (this.hideAfterMs) this.timer = setTimeout(() => this.hide(), this.hideAfterMs);
  }

  hide() {
    this.node.hidden = true;
  }

  /**
   * Tell the user about an error, in Chinese, unless it was already dealt with or is a background
   * refresh's network blip.
   * @param {unknown} err
   * @param {ReportOptions} [options]
   */
  report(err, { quiet = false } = {}) {
    if (err instanceof RequestError && (err.silent || (quiet && err.status === 0))) return;
    this.show(messageOf(err, this.pageFailed));
  }

  /** Errors nobody caught (a bug) still reach the user in Chinese, not as silence. */
  catchStrays() {
    window.addEventListener("unhandledrejection", (event) => this.report(event.reason));
    // Without an error object it is not ours (a browser notice such as ResizeObserver's).
    window.addEventListener("error", (event) => {
      if (event.error) this.report(event.error);
    });
  }
}
