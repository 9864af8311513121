/* 注销助手 merchant chat page. Plain ES2020, no modules; needs /vendor/socket.io.min.js. */
(function () {
  "use strict";

  const MAX_LENGTH = 500;
  const BOT_NAME = "注销助手";
  const TEXT = {
    offline: "连接已断开，正在重新连接…",
    handoff: { queued: "已转人工，排队中", claimed: "人工客服已接入", initial: "已转人工" },
    historyFailed: "历史消息加载失败，您可以继续提问。",
  };

  const params = new URLSearchParams(window.location.search);
  const embedded = params.get("embed") === "1";

  const el = {
    body: document.getElementById("chat-body"),
    messages: document.getElementById("messages"),
    typing: document.getElementById("typing"),
    form: document.getElementById("composer"),
    input: document.getElementById("message-input"),
    send: document.getElementById("send-button"),
    handoff: document.getElementById("handoff-status"),
    connection: document.getElementById("connection-status"),
    embedClose: document.getElementById("embed-close"),
  };

  let socket = null;
  const outbox = []; // messages typed while the socket was down, sent after the next session_request

  // ---------- helpers ----------

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function toDate(at) {
    if (typeof at === "string" && at) {
      const d = new Date(at);
      if (!Number.isNaN(d.getTime())) return d;
    }
    return new Date();
  }

  function formatTime(date) {
    return pad2(date.getHours()) + ":" + pad2(date.getMinutes());
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isNearBottom() {
    const b = el.body;
    return b.scrollHeight - b.scrollTop - b.clientHeight < 80;
  }

  function scrollToBottom() {
    el.body.scrollTop = el.body.scrollHeight;
  }

  function setStatus(node, text) {
    node.textContent = text || "";
    node.hidden = !text;
  }

  // ---------- rendering ----------

  /** Normalise server buttons (Rasa quick_replies or buttons) to [{title, payload}]. */
  function normaliseButtons(list) {
    if (!Array.isArray(list)) return [];
    return list
      .filter((b) => b && (b.title || b.payload))
      .map((b) => ({ title: String(b.title || b.payload), payload: String(b.payload || b.title) }));
  }

  /** Once the merchant says anything, older buttons are stale: disable them. */
  function disableAllQuickReplies() {
    el.messages.querySelectorAll("button.quick-reply").forEach((b) => {
      b.disabled = true;
    });
  }

  function renderButtons(container, buttons) {
    const row = make("div", "quick-replies");
    buttons.forEach((btn) => {
      const button = make("button", "quick-reply", btn.title);
      button.type = "button";
      button.addEventListener("click", () => onQuickReply(row, btn));
      row.appendChild(button);
    });
    container.appendChild(row);
  }

  /**
   * Append one message. kind: merchant | bot | agent | system.
   * opts: {text, buttons, agent, at}
   */
  function addMessage(kind, opts) {
    const stick = kind === "merchant" || isNearBottom();
    const msg = make("div", "msg " + kind);
    const date = toDate(opts.at);

    if (kind === "bot" || kind === "agent") {
      const avatar = make("div", "avatar", kind === "agent" ? "客" : "注");
      avatar.setAttribute("aria-hidden", "true");
      msg.appendChild(avatar);
    }
    const body = make("div", "msg-body");
    if (kind === "bot") body.appendChild(make("div", "sender", BOT_NAME));
    if (kind === "agent") body.appendChild(make("div", "sender", opts.agent ? "人工客服 · " + opts.agent : "人工客服"));

    const bubble = make("div", "bubble");
    const text = make("div", "text", opts.text || "");
    bubble.appendChild(text);
    if (!opts.text) bubble.classList.add("empty");
    body.appendChild(bubble);

    const buttons = normaliseButtons(opts.buttons);
    if (buttons.length) renderButtons(body, buttons);

    const time = make("time", null, formatTime(date));
    time.dateTime = date.toISOString();
    body.appendChild(time);

    msg.appendChild(body);
    el.messages.appendChild(msg);
    if (stick) scrollToBottom();
    return msg;
  }

  function kindOf(from, agent) {
    if (from === "merchant" || from === "system") return from;
    if (from === "agent" || (typeof agent === "string" && agent)) return "agent";
    return "bot";
  }

  function setTyping(on) {
    const stick = isNearBottom();
    el.typing.hidden = !on;
    if (on && stick) scrollToBottom();
  }

  function setHandoff(state) {
    if (state === "queued" || state === "claimed") setStatus(el.handoff, TEXT.handoff[state]);
    else if (state === "ended") setStatus(el.handoff, "");
  }

  // ---------- sending ----------

  function deliver(payload) {
    if (socket && socket.connected) socket.emit("user_uttered", payload);
    else outbox.push(payload);
  }

  function flushOutbox() {
    while (outbox.length && socket && socket.connected) {
      socket.emit("user_uttered", outbox.shift());
    }
  }

  function sendTyped() {
    const text = el.input.value.trim().slice(0, MAX_LENGTH);
    if (!text) return;
    el.input.value = "";
    disableAllQuickReplies();
    addMessage("merchant", { text });
    deliver({ message: text });
    el.input.focus();
  }

  function onQuickReply(row, btn) {
    row.querySelectorAll("button.quick-reply").forEach((b) => {
      b.disabled = true;
    });
    disableAllQuickReplies();
    addMessage("merchant", { text: btn.title });
    deliver({ message: btn.payload, title: btn.title });
  }

  // ---------- server events ----------

  function onBotUttered(data) {
    setTyping(false);
    if (!data || typeof data !== "object") return;
    const buttons = Array.isArray(data.quick_replies) && data.quick_replies.length
      ? data.quick_replies
      : data.buttons;
    const hasText = typeof data.text === "string" && data.text.length > 0;
    if (!hasText && normaliseButtons(buttons).length === 0) return; // nothing we can show
    const agent = typeof data.agent === "string" && data.agent ? data.agent : null;
    const kind = data.system === true ? "system" : agent ? "agent" : "bot";
    addMessage(kind, { text: hasText ? data.text : "", buttons, agent, at: data.at });
  }

  function connectSocket() {
    if (typeof window.io !== "function") {
      setStatus(el.connection, TEXT.offline);
      return;
    }
    socket = window.io({ path: "/socket.io", transports: ["websocket", "polling"] });
    let wasDisconnected = false;
    socket.on("connect", () => {
      setStatus(el.connection, "");
      socket.emit("session_request", {});
      // Pending messages go out now and their replies arrive live; otherwise catch up from history.
      if (outbox.length) flushOutbox();
      else if (wasDisconnected) loadHistory(true);
      wasDisconnected = false;
    });
    socket.on("session_confirm", () => {});
    socket.on("disconnect", (reason) => {
      wasDisconnected = true;
      setTyping(false);
      setStatus(el.connection, TEXT.offline);
      // socket.io does not retry after a server-side disconnect by itself.
      if (reason === "io server disconnect") setTimeout(() => socket.connect(), 3000);
    });
    socket.on("connect_error", () => {
      setStatus(el.connection, TEXT.offline);
      // A refused handshake (e.g. no conversation cookie yet) is not retried by socket.io itself.
      if (!socket.active) setTimeout(() => socket.connect(), 5000);
    });
    socket.on("bot_uttered", onBotUttered);
    socket.on("typing", (data) => setTyping(Boolean(data && data.on)));
    socket.on("handoff", (data) => setHandoff(data && data.state));
    socket.on("error_message", (data) => {
      if (data && data.text) addMessage("system", { text: data.text });
    });
  }

  // ---------- history ----------

  function renderHistory(data, replace) {
    if (replace) el.messages.replaceChildren();
    // The greeting and quick topics, shown before the merchant types (never stored).
    const welcome = data && data.welcome;
    if (welcome && typeof welcome.text === "string" && !el.messages.childElementCount) {
      addMessage("bot", { text: welcome.text, buttons: welcome.buttons });
    }
    const messages = Array.isArray(data && data.messages) ? data.messages : [];
    messages.forEach((m) => {
      if (!m) return;
      const kind = kindOf(m.from, m.agent);
      // Buttons on a message the merchant already answered are stale.
      if (kind === "merchant") disableAllQuickReplies();
      const agentName = typeof m.agent === "string" && m.agent ? m.agent : "";
      addMessage(kind, { text: m.text, buttons: m.buttons, agent: agentName, at: m.at });
    });
    if (data && data.handed_off === true && el.handoff.hidden) setStatus(el.handoff, TEXT.handoff.initial);
    if (data && data.handed_off === false) setStatus(el.handoff, "");
    scrollToBottom();
  }

  /** replace: re-sync after a reconnect (replies sent while we were offline are only in the history). */
  async function loadHistory(replace) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 8000);
    try {
      const res = await fetch("/chat/history", {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal,
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) throw { said: body.error };  // the server says why in Chinese (busy, unavailable)
      renderHistory(body, replace);
    } catch (err) {
      if (!replace) addMessage("system", { text: (err && err.said) || TEXT.historyFailed });
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------- setup ----------

  function setupEmbed() {
    if (!embedded) return;
    document.documentElement.classList.add("embed");
    if (window.parent && window.parent !== window) {
      el.embedClose.hidden = false;
      el.embedClose.addEventListener("click", () => {
        window.parent.postMessage({ type: "zhuxiao:close" }, "*");
      });
    }
  }

  function setupComposer() {
    el.form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendTyped();
    });
    el.input.addEventListener("keydown", (event) => {
      // Enter that confirms a Chinese IME candidate must not send.
      if (event.key === "Enter" && (event.isComposing || event.keyCode === 229)) event.preventDefault();
    });
  }

  async function start() {
    setupEmbed();
    setupComposer();
    await loadHistory(); // render history first so live messages land after it
    connectSocket();
  }

  start();
})();
