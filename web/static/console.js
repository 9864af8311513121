/* 注销助手 agent console. Plain ES2020, no modules; needs /vendor/socket.io.min.js. */
(function () {
  "use strict";

  const API = "/console/api";
  const POLL_MS = 5000;
  const SENDER = { merchant: "商户", bot: "注销助手", system: "系统" };

  const $ = (id) => document.getElementById(id);
  const el = {
    toast: $("console-error"), loginView: $("login-view"), loginForm: $("login-form"),
    workspace: $("workspace"), agentName: $("agent-name"), logout: $("logout-button"),
    live: $("live-status"), online: $("agents-online"),
    waiting: $("queue-waiting"), mine: $("queue-mine"),
    waitingCount: $("waiting-count"), mineCount: $("mine-count"),
    closeSelected: $("close-selected"), pagePrev: $("page-prev"), pageNext: $("page-next"), pageLabel: $("page-label"),
    caseHeader: $("case-header"), transcript: $("transcript"), ticket: $("ticket-panel"),
    replyInput: $("reply-input"), replySend: $("reply-send"), replyHint: $("reply-hint"),
    returnBtn: $("return-button"), closeBtn: $("close-button"),
  };

  const state = {
    me: null, socket: null, timers: [], reconnectTimer: null, toastTimer: null,
    queueSig: "", queueSeq: 0, queueAt: 0, waitBase: new Map(),
    openCaseNo: null, openData: null, openSig: "", caseSeq: 0, busy: false,
  };

  // ---------- small utilities ----------

  /** Build an element; string children become text nodes (never HTML). */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "class") node.className = value;
      else if (key === "data") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key in node) node[key] = value;
      else node.setAttribute(key, value);
    });
    children.flat(Infinity).forEach((child) => {
      if (child === null || child === undefined || child === false) return;
      node.append(child instanceof Node ? child : String(child));
    });
    return node;
  }

  const pad2 = (n) => String(n).padStart(2, "0");
  const enc = encodeURIComponent;

  function parseDate(at) {
    const d = at ? new Date(at) : null;
    return d && !Number.isNaN(d.getTime()) ? d : null;
  }

  function fmtTime(at) {
    const d = parseDate(at);
    if (!d) return "";
    const hm = pad2(d.getHours()) + ":" + pad2(d.getMinutes());
    return d.toDateString() === new Date().toDateString() ? hm : `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${hm}`;
  }

  function fmtDateTime(at) {
    const d = parseDate(at);
    if (!d) return at || "";
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  }

  function fmtWait(seconds) {
    const s = Math.max(0, Math.floor(seconds || 0));
    return `等待 ${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  }

  const isMine = (c) => Boolean(c && state.me && c.assignee === state.me.username);

  // ---------- errors and API ----------

  function showError(message) {
    el.toast.textContent = message;
    el.toast.hidden = false;
    clearTimeout(state.toastTimer);
    state.toastTimer = setTimeout(hideError, 8000);
  }

  const hideError = () => { el.toast.hidden = true; };
  const apiError = (message, status) => Object.assign(new Error(message), { status, silent: false });

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    const res = await fetch(API + path, init).catch(() => null);
    if (!res) throw apiError("网络异常，请检查网络后重试", 0);
    const data = await res.json().catch(() => null);
    if (res.ok) return data || {};
    const error = apiError((data && data.error) || `请求失败（HTTP ${res.status}）`, res.status);
    if (res.status === 401 && path !== "/login") error.silent = !onUnauthorized();
    throw error;
  }

  /** Show an error unless it is a background poll's network blip or a quiet logout. Only the
   *  API's errors (status set) carry a Chinese message: anything else is a bug of the page. */
  function report(err, quiet) {
    if (err && (err.silent || (quiet && err.status === 0))) return;
    if (err && err.status !== undefined) showError(err.message || "操作失败");
    else {
      console.error(err);
      showError("页面出错了，请刷新页面后重试；如仍失败请联系技术支持。");
    }
  }

  // ---------- login / logout ----------

  function showLogin() {
    el.workspace.hidden = true;
    el.loginView.hidden = false;
    document.title = "注销助手 · 客服工作台";
    el.loginForm.elements.namedItem("username").focus();
  }

  /** A 401 somewhere: back to the login view. Returns true if we were logged in. */
  function onUnauthorized() {
    const wasIn = Boolean(state.me);
    stopWorkspace();
    showLogin();
    return wasIn;
  }

  async function onLoginSubmit(event) {
    event.preventDefault();
    const form = el.loginForm;
    const username = form.elements.namedItem("username").value.trim();
    const passwordInput = form.elements.namedItem("password");
    if (!username || !passwordInput.value) return;
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      const me = await api("POST", "/login", { username, password: passwordInput.value });
      passwordInput.value = "";
      hideError();
      startWorkspace(me);
    } catch (err) {
      report(err);
    } finally {
      submit.disabled = false;
    }
  }

  async function onLogout() {
    await api("POST", "/logout").catch((err) => { if (err.status !== 401) report(err); });
    stopWorkspace();
    showLogin();
  }

  function startWorkspace(me) {
    stopWorkspace();
    state.me = me;
    el.agentName.textContent = me.display_name || me.username;
    $("insights-link").hidden = !me.is_lead;
    el.loginView.hidden = true;
    el.workspace.hidden = false;
    clearOpenCase();
    connectSocket();
    refreshQueue(false);
    state.timers.push(setInterval(poll, POLL_MS), setInterval(tick, 1000));
  }

  function stopWorkspace() {
    state.timers.forEach(clearInterval);
    state.timers = [];
    clearTimeout(state.reconnectTimer);
    if (state.socket) {
      state.socket.removeAllListeners();
      state.socket.disconnect();
      state.socket = null;
    }
    state.me = null;
    state.queueSig = "";
    state.openCaseNo = null;
    state.openData = null;
  }

  // ---------- live updates ----------

  function setLive(on) {
    el.live.textContent = on ? "实时推送已连接" : "实时推送未连接（每 5 秒刷新）";
    el.live.className = "live-status " + (on ? "on" : "off");
  }

  function connectSocket() {
    setLive(false);
    if (typeof window.io !== "function") return;
    const socket = window.io("/console", { path: "/socket.io", transports: ["websocket", "polling"] });
    state.socket = socket;
    socket.on("connect", () => setLive(true));
    socket.on("disconnect", () => setLive(false));
    socket.on("connect_error", () => {
      setLive(false);
      // A refused handshake does not retry by itself: try again later while logged in.
      if (!socket.active) {
        clearTimeout(state.reconnectTimer);
        state.reconnectTimer = setTimeout(() => {
          if (state.socket === socket && state.me) socket.connect();
        }, 10000);
      }
    });
    socket.on("queue_changed", () => refreshQueue(true));
    socket.on("case_event", (data) => {
      if (data && data.case_no && data.case_no === state.openCaseNo) refreshOpenCase({ quiet: true });
      refreshQueue(true);
    });
  }

  const poll = () => {
    refreshQueue(true);
    refreshOpenCase({ quiet: true });
  };

  /** Count waiting times up every second without refetching. */
  function tick() {
    const elapsed = Math.floor((Date.now() - state.queueAt) / 1000);
    document.querySelectorAll("#queue .case").forEach((node) => {
      const info = state.waitBase.get(node.dataset.caseNo);
      const span = node.querySelector(".wait");
      if (info && span) span.textContent = fmtWait(info.seconds + (info.live ? elapsed : 0));
    });
  }

  // ---------- queue ----------

  async function refreshQueue(quiet) {
    if (!state.me) return;
    const seq = ++state.queueSeq;
    const data = await api("GET", `/queue?page=${state.page || 0}`).catch((err) => report(err, quiet));
    if (data && seq === state.queueSeq && state.me) renderQueue(data);
  }

  function renderQueue(data) {
    const waiting = Array.isArray(data.waiting) ? data.waiting : [];
    const mine = Array.isArray(data.mine) ? data.mine : [];
    state.queueAt = Date.now();
    state.waitBase = new Map();
    waiting.concat(mine).forEach((c) => {
      state.waitBase.set(c.case_no, { seconds: c.waiting_seconds || 0, live: c.status === "queued" });
    });
    el.online.textContent = `在线客服 ${Number(data.agents_online) || 0} 人`;
    const total = Number(data.waiting_total) || waiting.length;
    document.title = (total ? `(${total}) ` : "") + "注销助手 · 客服工作台";
    renderPager(total, Number(data.page) || 0, Number(data.page_size) || waiting.length || 1);

    const strip = (list) => list.map((c) => Object.assign({}, c, { waiting_seconds: 0 }));
    const sig = JSON.stringify([strip(waiting), strip(mine)]);
    if (sig !== state.queueSig) {
      state.queueSig = sig;
      el.waitingCount.textContent = String(total);
      state.selected = new Set([...(state.selected || [])].filter((no) => waiting.some((c) => c.case_no === no)));
      updateCloseSelected();
      el.mineCount.textContent = String(mine.length);
      el.waiting.replaceChildren(...(waiting.length ? waiting.map((c) => caseCard(c, true)) : [h("div", { class: "empty" }, "暂无等待接入的会话")]));
      el.mine.replaceChildren(...(mine.length ? mine.map((c) => caseCard(c, false)) : [h("div", { class: "empty" }, "暂无进行中的会话")]));
      markActive();
    }
    tick();
  }

  /** "Page 2 of 5" and its buttons: a flood of requests never hides the rest of the queue. */
  function renderPager(total, page, size) {
    const pages = Math.max(1, Math.ceil(total / size));
    state.page = Math.min(page, pages - 1);
    el.pageLabel.textContent = pages > 1 ? `第 ${state.page + 1} / ${pages} 页` : "";
    el.pagePrev.disabled = state.page <= 0;
    el.pageNext.disabled = state.page >= pages - 1;
  }

  function turnPage(delta) {
    state.page = Math.max(0, (state.page || 0) + delta);
    state.queueSig = null;
    refreshQueue();
  }

  function updateCloseSelected() {
    const n = state.selected ? state.selected.size : 0;
    el.closeSelected.disabled = n === 0;
    el.closeSelected.textContent = n ? `关闭所选（${n}）` : "关闭所选";
  }

  async function closeSelectedCases() {
    const numbers = [...(state.selected || [])];
    if (!numbers.length || !window.confirm(`确定关闭所选的 ${numbers.length} 个等待中的会话吗？商户会收到会话结束的提示。`)) return;
    el.closeSelected.disabled = true;
    try {
      const result = await api("POST", "/cases/close-waiting", { case_nos: numbers });
      const notHandedBack = result.not_handed_back || [];
      if (notHandedBack.length) {
        showError(`已关闭 ${(result.closed || []).length} 个会话；其中 ${notHandedBack.length} 个会话的记录暂未能交还注销助手（${notHandedBack.join("、")}），商户已收到结束提示，再发消息时由注销助手接待。`);
      }
      state.selected = new Set();
      state.queueSig = null;
    } catch (err) {
      report(err);
    }
    updateCloseSelected();
    refreshQueue(true);
  }

  function caseCard(c, waiting) {
    const open = () => openCase(c.case_no);
    const pick = waiting ? h("input", {
      type: "checkbox", class: "case-pick", title: "选择此会话", "aria-label": `选择会话 ${c.case_no}`,
      checked: Boolean(state.selected && state.selected.has(c.case_no)),
      onclick: (e) => e.stopPropagation(),
      onchange: (e) => {
        state.selected = state.selected || new Set();
        if (e.currentTarget.checked) state.selected.add(c.case_no); else state.selected.delete(c.case_no);
        updateCloseSelected();
      },
    }) : null;
    return h("div", {
      class: "case", data: { caseNo: c.case_no }, tabIndex: 0, role: "button",
      onclick: open, onkeydown: (e) => { if (e.key === "Enter") open(); },
    },
      h("div", { class: "case-top" },
        pick,
        h("span", { class: "case-no" }, c.case_no),
        h("span", { class: "badge status-" + c.status }, c.status_label || c.status)),
      h("div", { class: "case-reason" }, c.reason_label || ""),
      c.last_message ? h("div", { class: "case-last", title: c.last_message }, c.last_message) : null,
      h("div", { class: "case-meta" },
        h("span", { class: "wait" }, fmtWait(c.waiting_seconds)),
        c.callback_requested ? h("span", { class: "badge callback" }, "回电") : null,
        c.callback_requested && c.masked_phone ? h("span", { class: "phone" }, c.masked_phone) : null,
        c.linked_ticket_no ? h("span", { class: "ticket-ref" }, c.linked_ticket_no) : null),
      waiting ? h("button", {
        type: "button", class: "btn small primary claim-button",
        onclick: (e) => { e.stopPropagation(); claimCase(c.case_no, e.currentTarget); },
      }, "接入") : null);
  }

  function markActive() {
    document.querySelectorAll("#queue .case").forEach((node) => {
      node.classList.toggle("active", node.dataset.caseNo === state.openCaseNo);
    });
  }

  async function claimCase(caseNo, button) {
    if (button) button.disabled = true;
    try {
      await api("POST", `/cases/${enc(caseNo)}/claim`);
      openCase(caseNo);
    } catch (err) {
      report(err);
      if (button) button.disabled = false;
    }
    refreshQueue(true);
  }

  // ---------- open case ----------

  /** Point the middle and right columns at caseNo (null: nothing open) and show placeholders. */
  function resetOpenCase(caseNo) {
    state.openCaseNo = caseNo;
    state.openData = null;
    state.openSig = "";
    state.caseSeq++;
    el.replyInput.value = "";
    el.caseHeader.replaceChildren(h("div", { class: "placeholder" }, caseNo ? `正在加载 ${caseNo}…` : "请从左侧选择会话"));
    el.transcript.replaceChildren();
    el.ticket.replaceChildren(h("div", { class: "placeholder" }, caseNo ? "加载中…" : "未选择会话"));
    markActive();
    updateControls();
  }

  const clearOpenCase = () => resetOpenCase(null);

  function openCase(caseNo) {
    if (state.openCaseNo !== caseNo) resetOpenCase(caseNo);
    return refreshOpenCase({ quiet: false });
  }

  /** quiet: background refresh; gone: a 403/404 is expected (we just gave the case up). */
  async function refreshOpenCase({ quiet = false, gone = false } = {}) {
    const caseNo = state.openCaseNo;
    if (!caseNo || !state.me) return;
    const seq = ++state.caseSeq;
    try {
      const data = await api("GET", `/cases/${enc(caseNo)}`);
      if (seq === state.caseSeq && state.openCaseNo === caseNo) renderOpenCase(data);
    } catch (err) {
      if (seq !== state.caseSeq || state.openCaseNo !== caseNo) return;
      if (err.status === 403 || err.status === 404) {
        clearOpenCase();
        if (!gone) report(err);
      } else {
        report(err, quiet);
      }
    }
  }

  function renderOpenCase(data) {
    const sig = JSON.stringify(data);
    if (sig === state.openSig) return;
    const firstRender = !state.openData;
    state.openSig = sig;
    state.openData = data;
    renderCaseHeader(data.case || {});
    renderTranscript(Array.isArray(data.transcript) ? data.transcript : [], firstRender);
    renderTicket(data.ticket || null);
    updateControls();
  }

  function renderCaseHeader(c) {
    const claimable = c.status === "queued";
    el.caseHeader.replaceChildren(...[
      h("div", { class: "case-title" },
        h("strong", null, c.case_no),
        h("span", { class: "badge status-" + c.status }, c.status_label || c.status),
        c.callback_requested ? h("span", { class: "badge callback" }, "回电") : null,
        c.callback_requested && c.masked_phone ? h("span", { class: "phone" }, c.masked_phone) : null,
        c.callback_requested ? (c.callback_done
          ? h("span", { class: "badge status-closed" }, "已回电")
          : h("button", { type: "button", class: "btn small callback-done", onclick: (e) => markCallbackDone(c.case_no, e.currentTarget) }, "标记已回电"))
          : null),
      h("div", { class: "case-sub muted" },
        [c.reason_label, c.created_at ? "创建于 " + fmtDateTime(c.created_at) : "",
          c.assignee_name ? "接待客服 " + c.assignee_name : "", c.linked_ticket_no ? "工单 " + c.linked_ticket_no : ""]
          .filter(Boolean).join(" · ")),
      claimable ? h("button", {
        type: "button", class: "btn small primary header-claim",
        onclick: (e) => claimCase(c.case_no, e.currentTarget),
      }, "接入此会话") : null].filter(Boolean));
  }

  async function markCallbackDone(caseNo, button) {
    button.disabled = true;
    try {
      await api("POST", `/cases/${enc(caseNo)}/callback-done`);
      await refreshOpenCase();
    } catch (err) {
      report(err);
      button.disabled = false;
    }
  }

  function renderTranscript(messages, forceBottom) {
    const box = el.transcript;
    const stick = forceBottom || box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const nodes = messages.map((m) => {
      const kind = ["merchant", "bot", "agent", "system"].includes(m.from) ? m.from : "system";
      const sender = kind === "agent" ? (m.agent ? "客服 " + m.agent : "客服") : SENDER[kind];
      const d = parseDate(m.at);
      return h("div", { class: "msg " + kind },
        h("div", { class: "msg-meta" },
          h("span", { class: "sender" }, sender),
          h("time", { dateTime: d ? d.toISOString() : "" }, fmtTime(m.at))),
        h("div", { class: "text" }, m.text || ""));
    });
    box.replaceChildren(...(nodes.length ? nodes : [h("div", { class: "placeholder" }, "暂无消息")]));
    if (stick) box.scrollTop = box.scrollHeight;
  }

  function updateControls() {
    const c = state.openData && state.openData.case;
    const active = Boolean(c && isMine(c) && c.status === "claimed");
    [el.replyInput, el.replySend, el.returnBtn, el.closeBtn].forEach((node) => {
      node.disabled = !active || state.busy;
    });
    let hint = "";
    if (!c) hint = state.openCaseNo ? "加载中…" : "请选择会话";
    else if (active) hint = "Ctrl+Enter 发送";
    else if (c.status === "queued") hint = "只读预览：接入后可回复";
    else if (c.status === "claimed") hint = "该会话由其他客服接待";
    else hint = "会话已结束或已转回机器人";
    el.replyHint.textContent = hint;
  }

  async function caseAction(path, body, gone) {
    const caseNo = state.openCaseNo;
    if (!caseNo || state.busy) return false;
    state.busy = true;
    updateControls();
    let ok = false;
    try {
      await api("POST", `/cases/${enc(caseNo)}/${path}`, body);
      ok = true;
    } catch (err) {
      report(err);
    } finally {
      state.busy = false;
      updateControls();
    }
    await refreshOpenCase({ quiet: true, gone });
    refreshQueue(true);
    return ok;
  }

  async function sendReply() {
    const text = el.replyInput.value.trim();
    if (!text || el.replySend.disabled) return;
    if (await caseAction("reply", { text }, false)) {
      el.replyInput.value = "";
      el.replyInput.focus();
    }
  }

  function closeCase() {
    if (!state.openCaseNo) return;
    if (!window.confirm(`确定结束会话 ${state.openCaseNo} 吗？结束后商户将无法继续与您对话。`)) return;
    caseAction("close", {}, true);
  }

  // ---------- ticket ----------

  function renderTicket(ticket) {
    if (!ticket) {
      el.ticket.replaceChildren(h("div", { class: "placeholder" }, "该会话未关联注销工单"));
      return;
    }
    const c = state.openData && state.openData.case;
    const canMove = isMine(c);
    const fields = [
      ["工单号", ticket.ticket_no], ["状态", ticket.status_label || ticket.status],
      ["商户号", ticket.merchant_no], ["终端序列号", ticket.terminal_sn], ["联系电话", ticket.phone],
      ["注销原因", ticket.reason_label],
      ["余额", ticket.balance_cleared ? "已结清" : "未结清"], ["提交时间", fmtDateTime(ticket.created_at)],
    ];
    const history = Array.isArray(ticket.history) ? ticket.history : [];
    const next = Array.isArray(ticket.next_statuses) ? ticket.next_statuses : [];
    el.ticket.replaceChildren(
      h("h2", null, "注销工单"),
      h("dl", { class: "fields" }, fields.map(([k, v]) => [h("dt", null, k), h("dd", null, v || "—")])),
      h("h3", null, "处理记录"),
      history.length ? h("ol", { class: "history" }, history.map((item) => h("li", null,
        h("div", { class: "history-top" },
          h("span", null, [item.actor_label, item.actor_name].filter(Boolean).join(" ")),
          h("time", null, fmtDateTime(item.at))),
        h("div", { class: "history-change" }, item.from_label ? `${item.from_label} → ${item.to_label}` : item.to_label),
        item.note ? h("div", { class: "history-note" }, item.note) : null)))
        : h("div", { class: "muted" }, "暂无记录"),
      h("h3", null, "变更状态"),
      next.length ? h("div", { class: "move-actions" }, next.map((s) => h("button", {
        type: "button", class: "btn small move-button", data: { status: s.value }, disabled: !canMove,
        title: canMove ? "" : "接入该会话后可操作",
        onclick: () => moveTicket(ticket.ticket_no, s.value, s.label),
      }, `改为「${s.label}」`)))
        : h("div", { class: "muted" }, "当前状态无可执行的变更"));
  }

  async function moveTicket(ticketNo, status, label) {
    const note = window.prompt(`将工单 ${ticketNo} 改为「${label}」\n备注（可选）：`, "");
    if (note === null) return;
    try {
      const data = await api("POST", `/tickets/${enc(ticketNo)}/move`, { status, note: note.trim() });
      if (data.ticket && state.openData && state.openData.ticket && state.openData.ticket.ticket_no === ticketNo) {
        state.openData.ticket = data.ticket;
        state.openSig = "";
        renderTicket(data.ticket);
      }
    } catch (err) {
      report(err);
    }
    refreshOpenCase({ quiet: true });
  }

  // ---------- setup ----------

  function bindEvents() {
    el.loginForm.addEventListener("submit", onLoginSubmit);
    el.logout.addEventListener("click", onLogout);
    el.toast.addEventListener("click", hideError);
    el.replySend.addEventListener("click", sendReply);
    el.returnBtn.addEventListener("click", () => caseAction("return", {}, true));
    el.closeBtn.addEventListener("click", closeCase);
    el.closeSelected.addEventListener("click", closeSelectedCases);
    el.pagePrev.addEventListener("click", () => turnPage(-1));
    el.pageNext.addEventListener("click", () => turnPage(1));
    el.replyInput.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.isComposing) {
        e.preventDefault();
        sendReply();
      }
    });
  }

  async function init() {
    bindEvents();
    updateControls();
    try {
      startWorkspace(await api("GET", "/me"));
    } catch (err) {
      if (err.status !== 401) report(err);
      showLogin();
    }
  }

  init();
})();
