/* Which conversation this page is. On our own site the server's HttpOnly cookie says it. In a
 * partner's frame a browser may refuse that cookie (third-party cookies blocked, as Safari does by
 * default): there the server also hands the page its conversation token, which the page keeps in
 * the frame's own storage and presents itself — same signature, same expiry as the cookie. */

const KEY = "zx_chat_token";
export const TOKEN_HEADER = "X-ZX-Chat";

/** @returns {string | null} the token this frame kept, if any */
export function storedToken() {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null; // storage blocked too: the token lives in memory for this page only
  }
}

/** @param {string} token */
export function keepToken(token) {
  try {
    window.localStorage.setItem(KEY, token);
  } catch {
    // storage blocked: kept in memory for this page (ChatState.token)
  }
}
