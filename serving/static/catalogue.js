// What the page loads at start and after a reset: the facets of the search form, the catalogue cards,
// the product list of the refresh form and the index panel.

import { errorsOf, gql } from "./api.js";
import { BOOT, CATALOGUE_LIMIT } from "./documents.js";
import { $, el, fmt, productLine } from "./dom.js";
import { hideBanner, isOutage, reportErrors, rowError } from "./errors.js";
import { similarLink } from "./results.js";
import { clickButton } from "./session.js";
import { state } from "./state.js";

export async function loadAll() {
  try {
    const data = await gql(BOOT, { limit: CATALOGUE_LIMIT });
    hideBanner();
    fillSelect($("category"), data.categories, "any");
    fillSelect($("brand"), data.brands, "any");
    fillSelect($("catalogue-filter"), data.categories, "all categories");
    state.products = data.products;
    state.productsById = new Map(data.products.map((p) => [p.id, p]));
    renderRefreshProducts();
    renderCatalogue();
    renderIndex(data.indexInfo);
  } catch (failure) {
    reportErrors(failure, "err-catalogue");
    renderIndexError(failure);
  }
}

function fillSelect(select, values, anyLabel) {
  const keep = select.value;
  const options = values.map((v) => el("option", { value: v, text: v }));
  select.replaceChildren(el("option", { value: "", text: anyLabel }), ...options);
  if (values.includes(keep)) select.value = keep;
}

/** The cards of the catalogue, those of the category picked in "Show" visible. */
export function renderCatalogue() {
  const shown = $("catalogue-filter").value;
  const cards = state.products.map((p) => card(p, Boolean(shown) && p.category !== shown));
  $("catalogue").replaceChildren(...cards);
  const visible = shown ? state.products.filter((p) => p.category === shown).length : state.products.length;
  $("catalogue-count").textContent = `${visible} of ${state.products.length}`;
}

function card(p, hidden) {
  const error = rowError("card-error");
  // The category is any text the catalogue holds: as a class it would split on spaces into other classes, so a
  // style per category selects on the attribute instead (.chip[data-category="outerwear"]).
  const category = el("span", { className: "chip", text: p.category, dataset: { category: p.category } });
  const outOfStock = el("span", { className: "badge oos", text: "out of stock", dataset: { testid: "out-of-stock" } });
  return el(
    "article",
    { className: "card", hidden, dataset: { testid: "product-card", productId: p.id, category: p.category } },
    el("div", { className: "card-top" }, category, p.inStock ? null : outOfStock),
    el("h3", { className: "card-name", text: p.name, dataset: { testid: "card-name" } }),
    el("p", { className: "card-sub", text: productLine(p) }),
    el("p", { className: "card-desc", text: p.description }),
    el(
      "div",
      { className: "card-actions" },
      el("span", { className: "muted small mono", text: p.id }),
      similarLink(p),
      clickButton(p, "card-click", error),
    ),
    error,
  );
}

function renderRefreshProducts() {
  const select = $("refresh-product");
  const keep = select.value;
  select.replaceChildren(...state.products.map((p) => el("option", { value: p.id, text: `${p.name} — ${p.id}` })));
  if (state.productsById.has(keep)) select.value = keep;
}

function renderIndex(info) {
  $("index-docs").textContent = String(info.numDocs);
  $("index-failures").textContent = String(info.indexingFailures);
  $("index-failures").classList.toggle("bad", info.indexingFailures > 0);
  $("index-mb").textContent = `${fmt.num(info.vectorIndexSizeMb, 2)} MB`;
  $("index-model").textContent = `${info.model} (${info.dim}-d)`;
  $("index-name").textContent = info.indexName;
  const pill = $("index-pill");
  pill.textContent = `${info.numDocs} products · ${info.indexName}`;
  pill.className = "topbar-status ok";
}

/** The pill says "service unavailable" only when it is (the store or the server out of reach); a refusal such
 * as a rate limit leaves the service up, and the catalogue panel says why it is empty. */
function renderIndexError(failure) {
  const down = errorsOf(failure).some(isOutage);
  const pill = $("index-pill");
  pill.textContent = down ? "service unavailable" : "catalogue not loaded";
  pill.className = "topbar-status bad";
}
