/* Live updates over socket.io (/vendor/socket.io.min.js, loaded by the page before its modules). */

/** @typedef {import("socket.io-client").Socket} Socket */

/**
 * @typedef {Object} LiveOptions
 * @property {string} [namespace] "/console"; the default namespace when not given
 * @property {() => Record<string, string>} [auth] what the handshake presents, asked at every (re)connect
 * @property {number} retryMs a refused handshake is not retried by socket.io itself: we try again after this long
 * @property {number} [retryAfterKickMs] also come back this long after the server disconnected us
 * @property {(connected: boolean) => void} onStatus
 * @property {() => void} [onConnect] after onStatus(true)
 * @property {(reason: string) => void} [onDisconnect] after onStatus(false)
 * @property {Record<string, (data: any) => void>} events the server's events and their handlers
 */

export class LiveConnection {
  /**
   * @param {Socket} socket
   * @param {LiveOptions} options
   */
  constructor(socket, options) {
    this.socket = socket;
    this.closed = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.retryTimer = undefined;
    socket.on("connect", () => {
      options.onStatus(true);
      if (options.onConnect) options.onConnect();
    });
    socket.on("disconnect", (reason) => {
      options.onStatus(false);
      if (options.onDisconnect) options.onDisconnect(reason);
      // socket.io does not come back by itself after a server-side disconnect.
      if (reason === "io server disconnect" && options.retryAfterKickMs) this.retry(options.retryAfterKickMs);
    });
    socket.on("connect_error", () => {
      options.onStatus(false);
      if (!socket.active) this.retry(options.retryMs);
    });
    for (const [name, handler] of Object.entries(options.events)) socket.on(name, handler);
  }

  get connected() {
    return this.socket.connected;
  }

  /**
   * @param {string} event
   * @param {unknown} data
   */
  emit(event, data) {
    this.socket.emit(event, data);
  }

  /** @param {number} ms */
  retry(ms) {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed) this.socket.connect();
    }, ms);
  }

  /** Stop for good (logout): no handler runs and nothing reconnects after this. */
  close() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket.removeAllListeners();
    this.socket.disconnect();
  }
}

/**
 * A live connection to our server, or null when socket.io did not load (the page then polls or
 * says it is offline).
 * @param {LiveOptions} options
 * @returns {LiveConnection | null}
 */
export function connectLive(options) {
  if (typeof window.io !== "function") return null;
  const auth = options.auth;
  /** @type {Partial<import("socket.io-client").ManagerOptions & import("socket.io-client").SocketOptions>} */
  const settings = { path: "/socket.io", transports: ["websocket", "polling"] };
  if (auth) settings.auth = (/** @type {(data: object) => void} */ callback) => callback(auth());
  const socket = options.namespace ? window.io(options.namespace, settings) : window.io(settings);
  return new LiveConnection(socket, options);
}
