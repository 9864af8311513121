/* The questions the bot could not answer, a topic field per group, and their export as Rasa NLU
 * training data. */

import { byId, h } from "../lib/dom.js";
import { request } from "../lib/request.js";

/** @typedef {import("./state.js").Figures} Figures */

const EXPORT_URL = "/console/api/insights/export";

/** @param {Figures} f */
export function renderUnanswered(f) {
  byId("unanswered-total").textContent = String(f.unanswered_total);
  byId("topic-keys").replaceChildren(
    ...Object.entries(f.topics).map(([key, title]) => h("option", { value: key, label: title })),
  );
  const rows = f.unanswered.map((group, index) =>
    h(
      "tr",
      null,
      h(
        "td",
        null,
        group.texts.length > 1
          ? h(
              "details",
              null,
              h("summary", null, group.example),
              group.texts.slice(1).map((text) => h("div", null, text)),
            )
          : group.example,
      ),
      h("td", { class: "count-cell" }, group.count),
      h(
        "td",
        { class: "label-cell" },
        h("input", {
          type: "text",
          placeholder: "主题英文名，如 balance",
          list: "topic-keys",
          "aria-label": `第 ${index + 1} 组的主题`,
          data: { group: String(index) },
        }),
      ),
    ),
  );
  if (!rows.length) rows.push(h("tr", null, h("td", { colSpan: 3, class: "muted" }, "这段时间没有未能回答的问题")));
  byId("unanswered-rows").replaceChildren(...rows);
}

/**
 * Download the groups given a topic as nlu-export.yml (a RequestError when refused).
 * @param {Figures} f the figures the table was drawn from
 */
export async function exportNlu(f) {
  const inputs = /** @type {HTMLInputElement[]} */ ([...document.querySelectorAll("#unanswered-rows input")]);
  const items = inputs
    .filter((input) => input.value.trim())
    .map((input) => ({
      label: `faq/${input.value.trim()}`,
      texts: f.unanswered[Number(input.dataset.group)].texts,
    }));
  const res = await request("POST", EXPORT_URL, { body: { items } });
  const link = h("a", { href: URL.createObjectURL(await res.blob()), download: "nlu-export.yml" });
  document.body.append(link);
  link.click();
  link.remove();
}
