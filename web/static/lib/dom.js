/* Building the page without HTML: a string only ever becomes a text node. */

/** @typedef {Node | string | number | boolean | null | undefined} Child */
/** @typedef {Child | Child[] | (Child | Child[])[]} Children nested two deep at most */

/**
 * What h() sets on an element: "class"; "data" (the dataset); "on<event>" (a listener); a property
 * the element has (checked, disabled, tabIndex, dateTime…); anything else as an attribute. null,
 * undefined and false leave it out.
 * @typedef {{ class?: string, data?: Record<string, string> } & Record<string, unknown>} Props
 */

// Properties that parse HTML: text from merchants must never reach them.
const REFUSED = new Set(["innerHTML", "outerHTML", "srcdoc"]);

/**
 * An element with its props and children (strings and numbers as text nodes; arrays flattened).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props | null} [props]
 * @param {...Children} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (REFUSED.has(key)) throw new TypeError(`h(): ${key} is not allowed`);
    if (key === "class") node.className = String(value);
    else if (key === "data") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) {
      if (typeof value !== "function") throw new TypeError(`h(): ${key} must be a function`);
      node.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    } else if (settable(node, key)) /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (node))[key] = value;
    else node.setAttribute(key, String(value));
  }
  node.append(...nodes(children));
  return node;
}

/**
 * Whether the element has a property of that name that can be set (input.list, for one, is
 * read-only: its attribute is what names the datalist).
 * @param {object} node
 * @param {string} key
 */
function settable(node, key) {
  for (let o = node; o; o = Object.getPrototypeOf(o)) {
    const property = Object.getOwnPropertyDescriptor(o, key);
    if (property) return Boolean(property.set || property.writable);
  }
  return false;
}

/**
 * Children as nodes and strings (which append() makes text nodes), without the empty ones.
 * @param {Children[]} children
 * @returns {(Node | string)[]}
 */
function nodes(children) {
  /** @type {(Node | string)[]} */
  const out = [];
  /** @param {Children} child */
  const add = (child) => {
    if (Array.isArray(child)) child.forEach(add);
    else if (child instanceof Node) out.push(child);
    else if (child !== null && child !== undefined && child !== false && child !== "") out.push(String(child));
  };
  children.forEach(add);
  return out;
}

/**
 * The page's element with this id, of this class (a missing one is a bug of the page).
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} [type] HTMLElement when not given
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  const expected = type || HTMLElement;
  if (!(node instanceof expected)) throw new Error(`#${id} is missing from the page`);
  return /** @type {T} */ (node);
}

/**
 * A status line: shown with its text, hidden when there is none.
 * @param {HTMLElement} node
 * @param {string} [text]
 */
export function showText(node, text) {
  node.textContent = text || "";
  node.hidden = !text;
}

/**
 * Whether a scrolled box is (nearly) at its bottom: new content then keeps it there.
 * @param {HTMLElement} box
 */
export function nearBottom(box) {
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}
