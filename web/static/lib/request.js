/* Requests to our own server. Every failure becomes a RequestError whose message is Chinese and
 * can be shown as it is: the server's own reason when it gave one, else ours. */

export const NETWORK_FAILED = "网络异常，请检查网络后重试";
export const TIMED_OUT = "服务器响应超时，请稍后重试";
export const BAD_REPLY = "服务器返回的数据无法识别，请稍后重试";
// Anything that is not a request's failure is the page's own bug: never shown in English.
export const PAGE_FAILED = "页面出错了，请刷新页面后重试；如仍失败请联系技术支持。";

export class RequestError extends Error {
  /**
   * @param {string} message Chinese, for the user
   * @param {number} status the HTTP status; 0 when no answer came
   * @param {boolean} [fromServer] the message is the server's own reason
   */
  constructor(message, status, fromServer = false) {
    super(message);
    this.name = "RequestError";
    this.status = status;
    this.fromServer = fromServer;
    /** Already dealt with (a 401 that led back to the login): not to be shown again. */
    this.silent = false;
  }
}

/**
 * @typedef {Object} RequestOptions
 * @property {unknown} [body] sent as JSON; a write always sends one ({} when not given)
 * @property {number} [timeoutMs] give up after this long (status 0, TIMED_OUT)
 * @property {Record<string, string>} [headers] more request headers
 */

/**
 * The server's answer when it is a success (2xx); a RequestError otherwise.
 * @param {string} method
 * @param {string} url
 * @param {RequestOptions} [options]
 * @returns {Promise<Response>}
 */
export async function request(method, url, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", ...options.headers };
  /** @type {RequestInit} */
  const init = { method, credentials: "same-origin", headers };
  if (method !== "GET" && method !== "HEAD") {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body ?? {});
  }
  const controller = options.timeoutMs ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), options.timeoutMs) : undefined;
  if (controller) init.signal = controller.signal;
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    throw new RequestError(controller && controller.signal.aborted ? TIMED_OUT : NETWORK_FAILED, 0);
  } finally {
    clearTimeout(timer);
  }
  if (res.ok) return res;
  const said = reasonOf(await res.json().catch(() => null));
  throw new RequestError(said || `请求失败（HTTP ${res.status}）`, res.status, Boolean(said));
}

/**
 * The JSON body of a successful answer (see request()).
 * @param {string} method
 * @param {string} url
 * @param {RequestOptions} [options]
 * @returns {Promise<unknown>}
 */
export async function requestJson(method, url, options) {
  const res = await request(method, url, options);
  try {
    return await res.json();
  } catch {
    throw new RequestError(BAD_REPLY, res.status);
  }
}

/**
 * The reason a failed answer gives ({"error": "…"}), if any.
 * @param {unknown} body
 * @returns {string | null}
 */
function reasonOf(body) {
  if (body && typeof body === "object" && "error" in body && typeof body.error === "string") return body.error;
  return null;
}

/**
 * What to tell the user about an error: a request's Chinese message, else `fallback` (the error
 * itself goes to the browser's console for whoever debugs it).
 * @param {unknown} err
 * @param {string} [fallback]
 */
export function messageOf(err, fallback = PAGE_FAILED) {
  if (err instanceof RequestError) return err.message;
  console.error(err);
  return fallback;
}
