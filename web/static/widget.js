/*
 * 注销助手 embeddable widget.
 * Usage on any site: <script src="https://HOST/static/widget.js"></script>
 * Adds a round "在线客服" button (bottom-right) that opens HOST/?embed=1 in an iframe.
 */
(function () {
  "use strict";

  if (window.__zhuxiaoWidget) return; // included twice
  window.__zhuxiaoWidget = true;

  const PREFIX = "zhuxiao-widget";

  function scriptOrigin() {
    const current = /** @type {HTMLScriptElement | null} */ (document.currentScript);
    let src = current ? current.src : "";
    if (!src) {
      // Fallback for old loaders: the last script whose src ends with /static/widget.js
      const scripts = document.querySelectorAll('script[src*="/static/widget.js"]');
      if (scripts.length) src = /** @type {HTMLScriptElement} */ (scripts[scripts.length - 1]).src;
    }
    try {
      return new URL(src, window.location.href).origin;
    } catch {
      return window.location.origin;
    }
  }

  const origin = scriptOrigin();

  // Styles are set through the CSSOM (element.style), which a host page's CSP does not block,
  // unlike an injected <style> element.
  const FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';
  const BUTTON_STYLE = {
    position: "fixed", right: "20px", bottom: "20px", zIndex: "2147483000",
    width: "64px", height: "64px", padding: "0 14px", margin: "0", boxSizing: "border-box",
    border: "0", borderRadius: "50%", background: "#1f6feb", color: "#fff",
    font: "600 14px/1.2 " + FONT, letterSpacing: "0", textAlign: "center", wordBreak: "break-all",
    boxShadow: "0 6px 18px rgba(15, 23, 42, 0.25)", cursor: "pointer",
    transition: "transform .15s ease, background .15s ease",
  };
  const FRAME_FLOATING = {
    position: "fixed", top: "auto", left: "auto", right: "20px", bottom: "96px", zIndex: "2147483001",
    width: "380px", height: "600px", maxWidth: "calc(100vw - 40px)", maxHeight: "calc(100vh - 116px)",
    border: "0", borderRadius: "12px", background: "#fff", boxShadow: "0 12px 40px rgba(15, 23, 42, 0.25)",
  };
  const FRAME_FULL = {
    top: "0", left: "0", right: "0", bottom: "0", width: "100%", height: "100%",
    maxWidth: "none", maxHeight: "none", borderRadius: "0", boxShadow: "none",
  };
  const narrow = window.matchMedia("(max-width: 480px), (max-height: 560px)");

  /** @type {HTMLButtonElement} created by mount(), before anything else runs */
  let button;
  /** @type {HTMLIFrameElement | null} created when the visitor first opens the chat */
  let frame = null;

  /** Lay out for the current screen: floating panel, or full screen on phones (the chat's × closes it). */
  function layout() {
    const open = isOpen();
    if (frame) Object.assign(frame.style, FRAME_FLOATING, narrow.matches ? FRAME_FULL : {}, { display: open ? "block" : "none" });
    button.style.display = open && narrow.matches ? "none" : "block";
    button.style.background = open ? "#1858c4" : "#1f6feb";
  }

  function createFrame() {
    frame = document.createElement("iframe");
    frame.id = PREFIX + "-frame";
    frame.title = "注销助手 · 在线客服";
    frame.src = origin + "/?embed=1";
    frame.setAttribute("allow", "clipboard-write");
    frame.hidden = true;
    document.body.appendChild(frame);
  }

  /** @param {boolean} open */
  function setOpen(open) {
    if (open && !frame) createFrame(); // lazily: no conversation until the visitor asks
    if (frame) frame.hidden = !open;
    layout();
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.title = open ? "收起在线客服" : "打开在线客服";
    if (!open) button.focus();
  }

  function isOpen() {
    return Boolean(frame && !frame.hidden);
  }

  /** @param {MessageEvent} event */
  function onMessage(event) {
    if (event.origin !== origin || !frame || event.source !== frame.contentWindow) return;
    if (event.data && event.data.type === "zhuxiao:close") setOpen(false);
  }

  function mount() {
    button = document.createElement("button");
    button.type = "button";
    button.id = PREFIX + "-button";
    button.textContent = "在线客服";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", PREFIX + "-frame");
    button.title = "打开在线客服";
    Object.assign(button.style, BUTTON_STYLE);
    button.addEventListener("click", () => setOpen(!isOpen()));
    button.addEventListener("mouseenter", () => { button.style.transform = "scale(1.05)"; });
    button.addEventListener("mouseleave", () => { button.style.transform = ""; });
    if (narrow.addEventListener) narrow.addEventListener("change", layout);
    else narrow.addListener(layout); // Safari < 14
    document.body.appendChild(button);
    window.addEventListener("message", onMessage);
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && isOpen()) setOpen(false);
    });
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
