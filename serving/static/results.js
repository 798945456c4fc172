// The results panel: one row per item (rank, product, reason badges, distance, score, actions), the meta
// line of the request (strategy, filter clause, session and re-rank flags, timings) and the "load more" button.

import { $, el, fmt, productLine } from "./dom.js";
import { rowError } from "./errors.js";
import { relatedLink } from "./related.js";
import { buyButton, clickButton, dismissButton } from "./session.js";
import { state } from "./state.js";

// How the page names each reason the API gives for an item.
const REASONS = {
  MATCHES_QUERY: "matches query",
  MATCHES_KEYWORDS: "matches keywords",
  SIMILAR_TO_SESSION: "like your session",
  SIMILAR_TO_PRODUCT: "similar item",
  POPULAR: "popular",
  TRENDING: "trending",
  TOP_RATED: "top rated",
  PINNED: "pinned",
  ALSO_VIEWED: "others also viewed",
  BOUGHT_TOGETHER: "bought together",
};

let showSimilar = async () => {};

/** What "similar items" does: the page shows that product's neighbours in this panel. */
export function onSimilar(listener) {
  showSimilar = listener;
}

/** "similar items" on a catalogue card or a result row. */
export function similarLink(p) {
  const similar = el("button", {
    type: "button",
    className: "link-btn small",
    text: "similar items",
    dataset: { testid: "similar-link" },
    attrs: { "aria-label": `Items similar to ${p.name}` },
  });
  similar.addEventListener("click", () => showSimilar(p));
  return similar;
}

export function renderNoResults(message) {
  $("results").replaceChildren();
  $("results-head").hidden = true;
  $("results-meta").hidden = true;
  $("load-more").hidden = true;
  $("results-count").textContent = "";
  const empty = $("results-empty");
  empty.textContent = message;
  empty.hidden = false;
}

/** Show a page of recommendations, replacing the panel or (append) after the rows already there. */
export function renderResults(recs, append = false, similarTo = null) {
  const offset = append ? $("results").children.length : 0;
  const rows = recs.items.map((item, position) => resultRow(item, offset + position + 1, recs.id));
  if (append) $("results").append(...rows);
  else $("results").replaceChildren(...rows);
  const total = $("results").children.length;
  $("results-head").hidden = total === 0;
  const empty = $("results-empty");
  empty.hidden = total > 0;
  empty.textContent = "Nothing matches these filters. Loosen them and search again.";
  $("results-count").textContent = `${total} result${total === 1 ? "" : "s"}`;
  state.endCursor = recs.pageInfo.endCursor;
  $("load-more").hidden = !recs.pageInfo.hasNextPage;
  renderMeta(recs, similarTo);
}

/** One item; pageId is the id of the page it came on, sent with its Click and Buy. */
function resultRow(item, rank, pageId) {
  const p = item.product;
  const error = rowError("row-error");
  return el(
    "li",
    {
      className: "result",
      dataset: { testid: "result-row", productId: p.id, category: p.category, rank: String(rank) },
    },
    el("span", { className: "rank", text: String(rank), dataset: { testid: "result-rank" } }),
    el(
      "div",
      { className: "product" },
      el(
        "div",
        { className: "name-line" },
        el("span", { className: "name", text: p.name, dataset: { testid: "result-name" } }),
        badges(item),
      ),
      el("div", { className: "sub", text: productLine(p), dataset: { testid: "result-sub" } }),
    ),
    numberCell({ label: "distance", value: fmt.num(item.vectorDistance, 4), testid: "result-distance" }),
    numberCell({ label: "score", value: fmt.num(item.score, 4), testid: "result-score", strong: true }),
    el(
      "span",
      { className: "action" },
      el("span", { className: "action-pair" }, clickButton(p, "click-btn", error, pageId), buyButton(p, error, pageId)),
      dismissButton(p, error),
      similarLink(p),
      relatedLink(p),
    ),
    error,
  );
}

/** A number column; its label shows only where the row stacks the numbers under the product. */
function numberCell({ label, value, testid, strong = false }) {
  const miniLabel = el("span", { className: "mini-label", text: `${label} ` });
  return el("span", { className: strong ? "num strong" : "num", dataset: { testid } }, miniLabel, value);
}

/** Why the item is here, whether it is in stock, and how much the category affinity moved it. */
function badges(item) {
  const p = item.product;
  const why = item.explanation;
  const list = [
    el("span", {
      className: `badge reason reason-${why.reason.toLowerCase()}`,
      text: REASONS[why.reason] || why.reason,
      title: explain(why),
      dataset: { testid: "result-reason", reason: why.reason },
    }),
  ];
  if (!p.inStock) {
    list.push(el("span", { className: "badge oos", text: "out of stock", dataset: { testid: "out-of-stock" } }));
  }
  if (item.affinityBonus > 0) {
    list.push(
      el("span", {
        className: "badge bonus",
        text: `affinity −${fmt.num(item.affinityBonus, 3)}`,
        title: "Re-rank bonus: weight × ln(1 + clicks in this category), subtracted from the distance",
        dataset: { testid: "affinity-bonus" },
      }),
    );
  }
  return list;
}

/** The explanation as a tooltip: the numbers behind the reason. */
function explain(why) {
  const parts = [REASONS[why.reason] || why.reason];
  if (why.vectorDistance !== null) parts.push(`distance ${fmt.num(why.vectorDistance, 4)}`);
  if (why.textRank !== null) parts.push(`keyword rank ${why.textRank}`);
  if (why.sessionWeight > 0) parts.push(`session weight ${fmt.num(why.sessionWeight, 2)}`);
  if (why.affinityBonus > 0) parts.push(`affinity −${fmt.num(why.affinityBonus, 3)}`);
  if (why.diversityPenalty > 0) parts.push(`diversity −${fmt.num(why.diversityPenalty, 3)}`);
  if (why.ruleAdjustment > 0) parts.push(`boosted −${fmt.num(why.ruleAdjustment, 3)}`);
  if (why.ruleAdjustment < 0) parts.push(`buried +${fmt.num(-why.ruleAdjustment, 3)}`);
  return parts.join(" · ");
}

function renderMeta(recs, similarTo) {
  $("meta-strategy").textContent = recs.strategy.replace(/_/g, " ").toLowerCase();
  const similarNote = $("meta-similar");
  similarNote.hidden = !similarTo;
  similarNote.textContent = similarTo ? `similar to ${similarTo.name}` : "";
  $("meta-filter").textContent = recs.filterClause;
  setFlag($("meta-session"), recs.usedSession);
  renderPage(recs);
  setFlag($("meta-rerank"), recs.usedRerank);
  const t = recs.timings;
  $("meta-timings").textContent = `embed ${fmt.ms(t.embedMs)} · search ${fmt.ms(t.searchMs)} · rerank ${fmt.ms(
    t.rerankMs,
  )} · total ${fmt.ms(t.totalMs)}`;
  $("results-meta").hidden = false;
}

/** The page's recommendation id (shortened; whole in the tooltip) and the scenario and variant that served it. */
function renderPage(recs) {
  const id = $("meta-page-id");
  id.textContent = recs.id.length > 12 ? `${recs.id.slice(0, 10)}…` : recs.id;
  id.title = recs.id;
  id.dataset.pageId = recs.id;
  $("meta-variant-item").hidden = !recs.scenario;
  $("meta-scenario").textContent = recs.scenario || "";
  $("meta-variant").textContent = recs.variant || "";
}

function setFlag(node, on) {
  node.textContent = on ? "yes" : "no";
  node.className = on ? "flag on" : "flag off";
}
