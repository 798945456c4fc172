// The search form and the requests behind the results panel: recommendations for the form's query and
// filters, items similar to one product, and their next pages. The newest request owns the panel.

import { gql } from "./api.js";
import { RECOMMEND, SIMILAR } from "./documents.js";
import { $, el, fmt, hideToast, setBusy } from "./dom.js";
import { ERROR_SLOTS, clearErrors, hideBanner, reportErrors, showError } from "./errors.js";
import { renderNoResults, renderResults } from "./results.js";
import { underScenario } from "./scenario-picker.js";
import { currentUser, state } from "./state.js";

const MAX_K = 40;
const EXAMPLES = [
  "warm jacket for winter",
  "shoes for trail running",
  "wireless headphones with noise cancelling",
  "lightweight tent for backpacking",
  "cast iron pan",
];
const SEARCH_SLOTS = [
  "err-query",
  "err-user-id",
  "err-category",
  "err-brand",
  "err-price",
  "err-rating",
  "err-k",
  "err-text-match",
  "err-mode",
  "err-diversity",
  "err-scenario",
  "err-search",
];
const SEARCH_ARGUMENTS = Object.keys(ERROR_SLOTS).filter((a) => a !== "productId" && a !== "text");
const FAILED = "No results: the search did not run (the reason is above the results).";
const LOCAL_SLOTS = { "min-price": "err-price", "max-price": "err-price", "min-rating": "err-rating", k: "err-k" };

export function initSearch() {
  $("suggestions").replaceChildren(el("span", { className: "muted small", text: "Try:" }), ...EXAMPLES.map(example));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    hideToast();
    runSearch();
  });
  $("exclude-seen").addEventListener("change", rerunSearch);
  $("mode").addEventListener("change", rerunSearch);
  $("diversity").addEventListener("input", () => {
    const value = Number($("diversity").value);
    $("diversity-value").textContent = value > 0 ? fmt.num(value, 1) : "off";
  });
  $("diversity").addEventListener("change", rerunSearch);
  $("load-more").addEventListener("click", loadMore);
  $("results").dataset.state = "idle";
}

/** An example query: fills the query box and searches. */
function example(text) {
  const run = () => {
    $("query").value = text;
    runSearch();
  };
  return el("button", { type: "button", className: "chip-btn", text, onclick: run });
}

function numberField(id, errors) {
  const input = $(id);
  if (input.validity.badInput) {
    errors.push([id, "Enter a number."]);
    return undefined;
  }
  const raw = input.value.trim();
  return raw === "" ? undefined : Number(raw);
}

function readFilters(local) {
  const filters = {};
  const category = $("category").value;
  const brand = $("brand").value;
  const textMatch = $("text-match").value;
  if (category) filters.category = category;
  if (brand) filters.brand = brand;
  const minPrice = numberField("min-price", local);
  const maxPrice = numberField("max-price", local);
  const minRating = numberField("min-rating", local);
  if (minPrice !== undefined) filters.minPrice = minPrice;
  if (maxPrice !== undefined) filters.maxPrice = maxPrice;
  if (minRating !== undefined) filters.minRating = minRating;
  if ($("in-stock").checked) filters.inStockOnly = true;
  if (textMatch.trim() !== "") filters.textMatch = textMatch;
  return filters;
}

/** Read the form into GraphQL variables; returns null (and shows messages) when a field is not a number. */
function readSearch() {
  const local = [];
  const query = $("query").value;
  const diversity = Number($("diversity").value);
  const variables = {
    // Empty: "recommended for you" (the session, else popular, else top rated); the strategy line says which.
    query: query.trim() === "" ? null : query,
    mode: $("mode").value,
    userId: currentUser(),
    filters: readFilters(local),
    blend: { enabled: $("blend").checked },
    rerank: { enabled: $("rerank").checked },
    // Dismissed products are always left out ("not interested"); seen ones when the toggle is on.
    exclude: { seen: $("exclude-seen").checked, dismissed: true },
  };
  if (diversity > 0) variables.diversity = { weight: diversity };
  const k = numberField("k", local);
  if (k !== undefined) {
    if (Number.isInteger(k) && k >= 1 && k <= MAX_K) variables.k = k;
    else local.push(["k", `Top K must be a whole number from 1 to ${MAX_K}.`]);
  }
  for (const [id, message] of local) showError(LOCAL_SLOTS[id], message, [id]);
  return local.length ? null : variables;
}

export async function runSearch() {
  clearErrors(SEARCH_SLOTS);
  state.hasSearched = true;
  const variables = readSearch();
  if (!variables) {
    const seq = ++state.searchSeq;
    finishSearch(seq, "error");
    renderNoResults("Fix the highlighted field and search again.");
    return;
  }
  await runRequest({ kind: "recommend", variables: underScenario(variables) });
}

/** Items like one product, into the results panel (with the form's user, k and diversity). */
export async function showSimilar(product) {
  clearErrors(SEARCH_SLOTS);
  state.hasSearched = true;
  const form = readSearch();
  if (!form) return;
  const variables = { productId: product.id, userId: form.userId, k: form.k, exclude: form.exclude };
  if (form.diversity) variables.diversity = form.diversity;
  await runRequest({ kind: "similar", variables: underScenario(variables), product });
  $("results-panel").scrollIntoView({ block: "start" });
}

/** After a click, a refresh or a reset: show how the ranking moved. */
export async function rerunSearch() {
  if (!state.hasSearched) return;
  if (state.last && state.last.kind === "similar") await showSimilar(state.last.product);
  else await runSearch();
}

/** The next page of the request shown. */
async function loadMore() {
  if (state.last) await runRequest(state.last, true);
}

/** Run a request (or, with append, its next page) and render it; the newest request owns the panel. */
async function runRequest(request, append = false) {
  const seq = ++state.searchSeq;
  const results = $("results");
  results.setAttribute("aria-busy", "true");
  results.dataset.state = "loading";
  const button = append ? $("load-more") : $("search-btn");
  setBusy(button, true, append ? "Loading…" : "Searching…");
  try {
    const variables = append ? { ...request.variables, after: state.endCursor } : request.variables;
    const data = await gql(request.kind === "similar" ? SIMILAR : RECOMMEND, variables);
    if (seq !== state.searchSeq) return; // a newer search owns the panel
    hideBanner();
    const recs = request.kind === "similar" ? data.similarProducts : data.recommendations;
    if (recs.__typename === "ProductNotFound") {
      renderNoResults(recs.message);
      finishSearch(seq, "error");
      return;
    }
    state.last = request;
    renderResults(recs, append, request.product);
    finishSearch(seq, "ready");
  } catch (failure) {
    if (seq !== state.searchSeq) return;
    const onFields = reportErrors(failure, "err-search", SEARCH_ARGUMENTS);
    // Only an error about a field highlights one; a rate limit or an unavailable service says why above.
    if (!append) renderNoResults(onFields ? "No results: fix the highlighted field and search again." : FAILED);
    finishSearch(seq, "error");
  } finally {
    setBusy(button, false);
    if (seq === state.searchSeq) results.removeAttribute("aria-busy");
  }
}

/** Mark the panel with the outcome and a count of finished searches (what the browser test waits on). */
function finishSearch(seq, outcome) {
  if (seq !== state.searchSeq) return;
  state.searchCount += 1;
  const results = $("results");
  results.dataset.state = outcome;
  results.dataset.searchCount = String(state.searchCount);
}
