/* Logging in and out, and what lives while an agent is logged in: the live link and the timers. */

import { byId } from "../lib/dom.js";
import { RequestError } from "../lib/request.js";
import { connectLive } from "../lib/live.js";
import * as api from "./api.js";

/** @typedef {import("./state.js").ConsoleState} ConsoleState */
/** @typedef {import("./api.js").Agent} Agent */
/** @typedef {import("../lib/toast.js").Toast} Toast */

const TITLE = "注销助手 · 客服工作台";
const POLL_MS = 5000; // a safety net under the live updates
const LIVE_RETRY_MS = 10000;

/**
 * @typedef {Object} SessionHooks
 * @property {() => void} onStart the workspace is shown: fill it
 * @property {() => void} onPoll every POLL_MS
 * @property {() => void} onTick every second
 * @property {Record<string, (data: any) => void>} events the /console namespace's events
 */

export class Session {
  /**
   * @param {ConsoleState} state
   * @param {Toast} toast
   * @param {SessionHooks} hooks
   */
  constructor(state, toast, hooks) {
    this.state = state;
    this.toast = toast;
    this.hooks = hooks;
    this.loginView = byId("login-view");
    this.form = byId("login-form", HTMLFormElement);
    this.username = /** @type {HTMLInputElement} */ (this.form.elements.namedItem("username"));
    this.password = /** @type {HTMLInputElement} */ (this.form.elements.namedItem("password"));
    this.submit = /** @type {HTMLButtonElement} */ (this.form.querySelector("button[type=submit]"));
    this.workspace = byId("workspace");
    this.agentName = byId("agent-name");
    this.insightsLink = byId("insights-link");
    this.liveStatus = byId("live-status");
    this.form.addEventListener("submit", (event) => this.onSubmit(event));
    byId("logout-button").addEventListener("click", () => this.logout());
    api.whenUnauthorized(() => this.onUnauthorized());
  }

  /** The workspace if the session cookie is still good, else the login. */
  async resume() {
    try {
      this.start(await api.me());
    } catch (err) {
      if (!(err instanceof RequestError && err.status === 401)) this.toast.report(err);
      this.showLogin();
    }
  }

  showLogin() {
    this.workspace.hidden = true;
    this.loginView.hidden = false;
    document.title = TITLE;
    this.username.focus();
  }

  /**
   * A 401 somewhere: back to the login.
   * @returns {boolean} whether someone was logged in
   */
  onUnauthorized() {
    const wasIn = Boolean(this.state.me);
    this.stop();
    this.showLogin();
    return wasIn;
  }

  /** @param {SubmitEvent} event */
  async onSubmit(event) {
    event.preventDefault();
    const username = this.username.value.trim();
    if (!username || !this.password.value) return;
    this.submit.disabled = true;
    try {
      const agent = await api.login(username, this.password.value);
      this.password.value = "";
      this.toast.hide();
      this.start(agent);
    } catch (err) {
      this.toast.report(err);
    } finally {
      this.submit.disabled = false;
    }
  }

  async logout() {
    await api.logout().catch((err) => {
      if (!(err instanceof RequestError && err.status === 401)) this.toast.report(err);
    });
    this.stop();
    this.showLogin();
  }

  /** @param {Agent} agent */
  start(agent) {
    const { state, hooks } = this;
    this.stop();
    state.me = agent;
    this.agentName.textContent = agent.display_name || agent.username;
    this.insightsLink.hidden = !agent.is_lead;
    this.loginView.hidden = true;
    this.workspace.hidden = false;
    hooks.onStart();
    this.setLive(false);
    state.live = connectLive({
      namespace: "/console",
      retryMs: LIVE_RETRY_MS,
      onStatus: (on) => this.setLive(on),
      events: hooks.events,
    });
    state.timers.push(setInterval(hooks.onPoll, POLL_MS), setInterval(hooks.onTick, 1000));
  }

  stop() {
    const { state } = this;
    state.timers.forEach(clearInterval);
    state.timers = [];
    if (state.live) state.live.close();
    state.live = null;
    state.me = null;
    state.queueSig = "";
    state.openCaseNo = null;
    state.openData = null;
  }

  /** @param {boolean} on */
  setLive(on) {
    this.liveStatus.textContent = on ? "实时推送已连接" : "实时推送未连接（每 5 秒刷新）";
    this.liveStatus.className = `live-status ${on ? "on" : "off"}`;
  }
}
