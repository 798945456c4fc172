// Demo page for the recommendation service. Talks only to POST /graphql with {query, variables}.
// Every piece of data is inserted with textContent / DOM APIs: product text is data, never HTML.

const ENDPOINT = "/graphql";
const CATALOGUE_LIMIT = 1000;
const MAX_K = 40;
const RECENT_LIMIT = 20;
const EXAMPLES = [
  "warm jacket for winter",
  "shoes for trail running",
  "wireless headphones with noise cancelling",
  "lightweight tent for backpacking",
  "cast iron pan",
];

// ---------------------------------------------------------------- GraphQL documents (variables only)

const PRODUCT_FIELDS = "id name description category brand price rating inStock";
const USER_FIELDS = `userId clicks events lastClickedId lastClickedCategory affinities { category weight }
  hasSessionVector sessionVectorDim hasDismissedVector
  recent(limit: ${RECENT_LIMIT}) { productId kind at product { id name category } }`;
const INDEX_FIELDS = "indexName numDocs indexingFailures vectorIndexSizeMb model dim";

const BOOT = `query Boot($limit: Int!) {
  categories
  brands
  products(limit: $limit) { ${PRODUCT_FIELDS} }
  indexInfo { ${INDEX_FIELDS} }
}`;

const INDEX_INFO = `query IndexInfo { indexInfo { ${INDEX_FIELDS} } }`;

const USER_FEATURES = `query UserFeatures($userId: ID!) { userFeatures(userId: $userId) { ${USER_FIELDS} } }`;

const PAGE_FIELDS = `items { product { ${PRODUCT_FIELDS} } vectorDistance score affinityBonus
      explanation { reason vectorDistance textRank sessionWeight affinityBonus diversityPenalty ruleAdjustment } }
    filterClause usedSession usedRerank strategy pageInfo { endCursor hasNextPage }
    timings { embedMs searchMs rerankMs totalMs }`;

const RECOMMEND = `query Recommend($query: String, $userId: ID, $filters: ProductFilter, $blend: BlendInput,
  $rerank: RerankInput, $k: Int, $exclude: ExcludeInput, $mode: SearchMode, $diversity: DiversityInput, $after: String) {
  recommendations(query: $query, userId: $userId, filters: $filters, blend: $blend, rerank: $rerank, k: $k,
    exclude: $exclude, mode: $mode, diversity: $diversity, after: $after) {
    ${PAGE_FIELDS}
  }
}`;

const SIMILAR = `query Similar($productId: ID!, $userId: ID, $filters: ProductFilter, $k: Int, $exclude: ExcludeInput,
  $diversity: DiversityInput, $after: String) {
  similarProducts(productId: $productId, userId: $userId, filters: $filters, k: $k, exclude: $exclude,
    diversity: $diversity, after: $after) {
    __typename
    ... on Recommendations { ${PAGE_FIELDS} }
    ... on ProductNotFound { message productId }
  }
}`;

// How the page names each reason the API gives for an item.
const REASONS = {
  MATCHES_QUERY: "matches query",
  MATCHES_KEYWORDS: "matches keywords",
  SIMILAR_TO_SESSION: "like your session",
  SIMILAR_TO_PRODUCT: "similar item",
  POPULAR: "popular",
  TOP_RATED: "top rated",
  PINNED: "pinned",
};

const RECORD_CLICK = `mutation RecordClick($userId: ID!, $productId: ID!) {
  recordClick(userId: $userId, productId: $productId) {
    __typename
    ... on ClickRecorded { category affinity clicks lastClickedId user { ${USER_FIELDS} } }
    ... on ProductNotFound { message productId }
  }
}`;

const REFRESH_EMBEDDING = `mutation RefreshEmbedding($productId: ID!, $text: String!) {
  refreshEmbedding(productId: $productId, text: $text) {
    __typename
    ... on EmbeddingRefreshed { productId embedMs }
    ... on ProductNotFound { message productId }
    ... on NotAuthorized { message }
  }
}`;

const RECORD_EVENT = `mutation RecordEvent($userId: ID!, $productId: ID!, $kind: EventKind!) {
  recordEvent(userId: $userId, productId: $productId, kind: $kind) {
    __typename
    ... on EventRecorded { kind user { ${USER_FIELDS} } }
    ... on ProductNotFound { message productId }
  }
}`;

const RESET_USER = `mutation ResetUser($userId: ID!) { resetUser(userId: $userId) { userId } }`;
const RESET_INDEX = `mutation ResetIndex {
  resetIndex {
    __typename
    ... on IndexReset { indexName seeded }
    ... on NotAuthorized { message }
  }
}`;

// ---------------------------------------------------------------- small DOM helpers

const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node;
};

/** Build an element. props: className, text, dataset, attrs, on{event}; children: nodes or strings (as text). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "attrs") for (const [name, v] of Object.entries(value)) node.setAttribute(name, String(v));
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const fmt = {
  // Rounds tiny negatives (float noise around a distance of 0) to 0 rather than showing "-0.0000".
  num: (value, digits) => {
    const text = Number(value).toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text;
  },
  price: (value) => Number(value).toFixed(2),
  ms: (value) => `${Number(value).toFixed(1)} ms`,
  weight: (value) => (Number.isInteger(value) ? String(value) : Number(value).toFixed(1)),
  time: (date) => date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
};

function productLine(p) {
  return `${p.brand} · ${p.category} · ${fmt.price(p.price)} · ★ ${fmt.num(p.rating, 1)}`;
}

function setBusy(button, busy, busyLabel) {
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = busyLabel;
    button.disabled = true;
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.disabled = false;
  }
}

let toastTimer = 0;

/** A short note at the bottom of the screen, for actions whose effect is in a panel that may be scrolled away. */
function toast(message) {
  const node = $("toast");
  node.textContent = message;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    node.hidden = true;
  }, 3500);
}

function hideToast() {
  clearTimeout(toastTimer);
  $("toast").hidden = true;
}

function flash(button, label) {
  const original = button.dataset.label || button.textContent;
  button.textContent = label;
  button.classList.add("done");
  setTimeout(() => {
    button.textContent = original;
    button.classList.remove("done");
  }, 1200);
}

// ---------------------------------------------------------------- GraphQL transport and errors

class GraphQLFailure extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
  }
}

/** The admin token typed into the Index panel, sent as a Bearer token when present (admin mutations need it). */
function authHeaders() {
  const token = document.getElementById("admin-token")?.value.trim();
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function gql(query, variables = {}) {
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...authHeaders() },
      body: JSON.stringify({ query, variables }),
    });
  } catch (exc) {
    throw new GraphQLFailure([{ message: "The server cannot be reached.", extensions: { code: "NETWORK" } }]);
  }
  let body;
  try {
    body = await response.json();
  } catch (exc) {
    throw new GraphQLFailure([{ message: `Unexpected HTTP ${response.status} from ${ENDPOINT}.`, extensions: {} }]);
  }
  if (Array.isArray(body.errors) && body.errors.length) throw new GraphQLFailure(body.errors);
  if (!body.data) throw new GraphQLFailure([{ message: "Empty response.", extensions: {} }]);
  return body.data;
}

// Which error slot (and which inputs) an argument belongs to.
const ERROR_SLOTS = {
  query: { slot: "err-query", inputs: ["query"], label: "Query" },
  userId: { slot: "err-user-id", inputs: ["user-id"], label: "User id" },
  k: { slot: "err-k", inputs: ["k"], label: "Top K" },
  "filters.category": { slot: "err-category", inputs: ["category"], label: "Category" },
  "filters.brand": { slot: "err-brand", inputs: ["brand"], label: "Brand" },
  "filters.minPrice": { slot: "err-price", inputs: ["min-price", "max-price"], label: "Min price" },
  "filters.maxPrice": { slot: "err-price", inputs: ["min-price", "max-price"], label: "Max price" },
  "filters.minRating": { slot: "err-rating", inputs: ["min-rating"], label: "Min rating" },
  "filters.textMatch": { slot: "err-text-match", inputs: ["text-match"], label: "Description contains" },
  mode: { slot: "err-mode", inputs: ["mode"], label: "Match by" },
  "diversity.weight": { slot: "err-diversity", inputs: ["diversity"], label: "Diversity" },
  productId: { slot: "err-refresh-product", inputs: ["refresh-product"], label: "Product" },
  text: { slot: "err-refresh-text", inputs: ["refresh-text"], label: "Text" },
};
const ARGUMENT_LABELS = Object.fromEntries(Object.entries(ERROR_SLOTS).map(([name, s]) => [name, s.label]));

/** The argument an error is about: extensions.argument, else the variable/field a coercion error names. */
function argumentOf(error) {
  const ext = error.extensions || {};
  if (typeof ext.argument === "string") return ext.argument;
  const message = String(error.message || "");
  const at = message.match(/ at '([A-Za-z0-9_.]+)'/);
  if (at) return at[1];
  const variable = message.match(/Variable '\$([A-Za-z0-9_]+)'/);
  return variable ? variable[1] : null;
}

/** "Invalid argument filters.minPrice: must not exceed filters.maxPrice (500 > 10)" → "Min price must not exceed max price (500 > 10)". */
function readable(error, argument) {
  let message = String(error.message || "Something went wrong.");
  const prefix = message.match(/^Invalid argument ([A-Za-z0-9_.]+): (.*)$/s);
  if (prefix) {
    const label = ARGUMENT_LABELS[prefix[1]] || prefix[1];
    const rest = prefix[2].replace(/\b[a-z]+(?:\.[a-zA-Z]+)+\b|\b[a-z]+[A-Z][A-Za-z]*\b/g, (name) =>
      ARGUMENT_LABELS[name] ? ARGUMENT_LABELS[name].toLowerCase() : name,
    );
    message = `${label} ${rest.replace(/between (\S+) and inf\b/, "at least $1")}`;
  } else if (argument && ARGUMENT_LABELS[argument] && /^Variable '\$/.test(message)) {
    message = `${ARGUMENT_LABELS[argument]}: ${message.replace(/^Variable '\$[^']+' got /, "")}`;
  }
  const code = (error.extensions || {}).code;
  if (code === "SERVICE_UNAVAILABLE") message = `Service unavailable: ${message}`;
  return message;
}

function showError(slotId, message, inputIds = []) {
  const slot = $(slotId);
  slot.textContent = message;
  slot.classList.add("visible");
  for (const id of inputIds) $(id).setAttribute("aria-invalid", "true");
}

function clearErrors(slotIds) {
  for (const id of slotIds) {
    const slot = $(id);
    slot.textContent = "";
    slot.classList.remove("visible");
  }
  for (const [, spec] of Object.entries(ERROR_SLOTS)) {
    if (slotIds.includes(spec.slot)) for (const input of spec.inputs) $(input).removeAttribute("aria-invalid");
  }
}

/** Route each GraphQL error to the slot of the control that caused it; the rest go to fallbackSlot. */
function reportErrors(failure, fallbackSlot, allowed = null) {
  const errors = failure instanceof GraphQLFailure ? failure.errors : [{ message: String(failure), extensions: {} }];
  for (const error of errors) {
    const argument = argumentOf(error);
    const spec = argument ? ERROR_SLOTS[argument] : undefined;
    const message = readable(error, argument);
    if (spec && (!allowed || allowed.includes(argument))) showError(spec.slot, message, spec.inputs);
    else showError(fallbackSlot, message);
    const code = (error.extensions || {}).code;
    if (code === "SERVICE_UNAVAILABLE" || code === "NETWORK") showBanner(message);
  }
}

function showBanner(message) {
  const banner = $("global-error");
  banner.textContent = message;
  banner.hidden = false;
}

function hideBanner() {
  $("global-error").hidden = true;
}

// ---------------------------------------------------------------- state

const state = {
  products: [],
  productsById: new Map(),
  searchSeq: 0,
  searchCount: 0,
  hasSearched: false,
  features: null, // the current user's last known features
  last: null, // the last request shown: { kind: "recommend" | "similar", variables, product }
  endCursor: null, // its pageInfo.endCursor, for "load more"
};

function currentUser() {
  return $("user-id").value.trim() || "demo";
}

// ---------------------------------------------------------------- boot: catalogue, facets, index

function fillSelect(select, values, anyLabel) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", text: anyLabel }), ...values.map((v) => el("option", { value: v, text: v })));
  if (values.includes(keep)) select.value = keep;
}

async function loadAll() {
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
    renderIndexError();
  }
}

async function loadIndexInfo() {
  try {
    renderIndex((await gql(INDEX_INFO)).indexInfo);
  } catch (failure) {
    reportErrors(failure, "err-index");
  }
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

function renderIndexError() {
  const pill = $("index-pill");
  pill.textContent = "service unavailable";
  pill.className = "topbar-status bad";
}

function renderRefreshProducts() {
  const select = $("refresh-product");
  const keep = select.value;
  select.replaceChildren(...state.products.map((p) => el("option", { value: p.id, text: `${p.name} — ${p.id}` })));
  if (state.productsById.has(keep)) select.value = keep;
}

// The per-product controls shared by the catalogue cards and the result rows.
function rowError(testid) {
  return el("p", { className: "error row-error", dataset: { testid }, attrs: { role: "alert" } });
}

function clickButton(p, testid, error) {
  const button = el("button", {
    type: "button",
    className: "btn small",
    text: "Click",
    dataset: { testid },
    attrs: { "aria-label": `Click ${p.name}` },
  });
  button.addEventListener("click", () => clickProduct(p.id, button, error));
  return button;
}

function similarLink(p) {
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

function renderCatalogue() {
  const shown = $("catalogue-filter").value;
  const cards = state.products.map((p) => {
    const error = rowError("card-error");
    const button = clickButton(p, "card-click", error);
    const similar = similarLink(p);
    return el(
      "article",
      {
        className: "card",
        hidden: Boolean(shown) && p.category !== shown,
        dataset: { testid: "product-card", productId: p.id, category: p.category },
      },
      el(
        "div",
        { className: "card-top" },
        el("span", { className: `chip cat-${p.category}`, text: p.category }),
        p.inStock ? null : el("span", { className: "badge oos", text: "out of stock", dataset: { testid: "out-of-stock" } }),
      ),
      el("h3", { className: "card-name", text: p.name, dataset: { testid: "card-name" } }),
      el("p", { className: "card-sub", text: productLine(p) }),
      el("p", { className: "card-desc", text: p.description }),
      el("div", { className: "card-actions" }, el("span", { className: "muted small mono", text: p.id }), similar, button),
      error,
    );
  });
  $("catalogue").replaceChildren(...cards);
  const visible = shown ? state.products.filter((p) => p.category === shown).length : state.products.length;
  $("catalogue-count").textContent = `${visible} of ${state.products.length}`;
}

// ---------------------------------------------------------------- search

function numberField(id, errors) {
  const input = $(id);
  if (input.validity.badInput) {
    errors.push([id, "Enter a number."]);
    return undefined;
  }
  const raw = input.value.trim();
  return raw === "" ? undefined : Number(raw);
}

/** Read the form into GraphQL variables; returns null (and shows messages) when a field is not a number. */
function readSearch() {
  const local = [];
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

  const query = $("query").value;
  const diversity = Number($("diversity").value);
  const variables = {
    // Empty: "recommended for you" (the session, else popular, else top rated); the strategy line says which.
    query: query.trim() === "" ? null : query,
    mode: $("mode").value,
    userId: currentUser(),
    filters,
    blend: { enabled: $("blend").checked },
    rerank: { enabled: $("rerank").checked },
    // Dismissed products are always left out ("not interested"); seen ones when the toggle is on.
    exclude: { seen: $("exclude-seen").checked, dismissed: true },
  };
  if (diversity > 0) variables.diversity = { weight: diversity };
  const k = numberField("k", local);
  if (k !== undefined) {
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) local.push(["k", `Top K must be a whole number from 1 to ${MAX_K}.`]);
    else variables.k = k;
  }
  const slotFor = { "min-price": "err-price", "max-price": "err-price", "min-rating": "err-rating", k: "err-k" };
  for (const [id, message] of local) showError(slotFor[id], message, [id]);
  return local.length ? null : variables;
}

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
  "err-search",
];
const SEARCH_ARGUMENTS = Object.keys(ERROR_SLOTS).filter((a) => a !== "productId" && a !== "text");

async function runSearch() {
  clearErrors(SEARCH_SLOTS);
  state.hasSearched = true;
  const variables = readSearch();
  if (!variables) {
    const seq = ++state.searchSeq;
    finishSearch(seq, "error");
    renderNoResults("Fix the highlighted field and search again.");
    return;
  }
  await runRequest({ kind: "recommend", variables });
}

/** Items like one product, into the results panel (with the form's user, k and diversity). */
async function showSimilar(product) {
  clearErrors(SEARCH_SLOTS);
  state.hasSearched = true;
  const form = readSearch();
  if (!form) return;
  const variables = { productId: product.id, userId: form.userId, k: form.k, exclude: form.exclude };
  if (form.diversity) variables.diversity = form.diversity;
  await runRequest({ kind: "similar", variables, product });
  $("results-panel").scrollIntoView({ block: "start" });
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
    reportErrors(failure, "err-search", SEARCH_ARGUMENTS);
    if (!append) renderNoResults("No results: fix the highlighted field and search again.");
    finishSearch(seq, "error");
  } finally {
    setBusy(button, false);
    if (seq === state.searchSeq) results.removeAttribute("aria-busy");
  }
}

function finishSearch(seq, outcome) {
  if (seq !== state.searchSeq) return;
  state.searchCount += 1;
  const results = $("results");
  results.dataset.state = outcome;
  results.dataset.searchCount = String(state.searchCount);
}

/** After a click, a refresh or a reset: show how the ranking moved. */
async function rerunSearch() {
  if (!state.hasSearched) return;
  if (state.last && state.last.kind === "similar") await showSimilar(state.last.product);
  else await runSearch();
}

function renderNoResults(message) {
  $("results").replaceChildren();
  $("results-head").hidden = true;
  $("results-meta").hidden = true;
  $("load-more").hidden = true;
  $("results-count").textContent = "";
  const empty = $("results-empty");
  empty.textContent = message;
  empty.hidden = false;
}

function renderResults(recs, append = false, similarTo = null) {
  const offset = append ? $("results").children.length : 0;
  const rows = recs.items.map((item, position) => {
    const index = offset + position;
    const p = item.product;
    const error = rowError("row-error");
    const button = clickButton(p, "click-btn", error);
    const dismiss = el("button", {
      type: "button",
      className: "btn ghost small",
      text: "Not interested",
      dataset: { testid: "dismiss-btn" },
      attrs: { "aria-label": `Not interested in ${p.name}` },
    });
    dismiss.addEventListener("click", () => dismissProduct(p, dismiss, error));
    const similar = similarLink(p);
    const why = item.explanation;
    const badges = [
      el("span", {
        className: `badge reason reason-${why.reason.toLowerCase()}`,
        text: REASONS[why.reason] || why.reason,
        title: explain(why),
        dataset: { testid: "result-reason", reason: why.reason },
      }),
    ];
    if (!p.inStock) badges.push(el("span", { className: "badge oos", text: "out of stock", dataset: { testid: "out-of-stock" } }));
    if (item.affinityBonus > 0) {
      badges.push(
        el("span", {
          className: "badge bonus",
          text: `affinity −${fmt.num(item.affinityBonus, 3)}`,
          title: "Re-rank bonus: weight × ln(1 + clicks in this category), subtracted from the distance",
          dataset: { testid: "affinity-bonus" },
        }),
      );
    }
    return el(
      "li",
      { className: "result", dataset: { testid: "result-row", productId: p.id, category: p.category, rank: String(index + 1) } },
      el("span", { className: "rank", text: String(index + 1), dataset: { testid: "result-rank" } }),
      el(
        "div",
        { className: "product" },
        el("div", { className: "name-line" }, el("span", { className: "name", text: p.name, dataset: { testid: "result-name" } }), badges),
        el("div", { className: "sub", text: productLine(p), dataset: { testid: "result-sub" } }),
      ),
      el(
        "span",
        { className: "num", dataset: { testid: "result-distance" } },
        el("span", { className: "mini-label", text: "distance " }),
        fmt.num(item.vectorDistance, 4),
      ),
      el(
        "span",
        { className: "num strong", dataset: { testid: "result-score" } },
        el("span", { className: "mini-label", text: "score " }),
        fmt.num(item.score, 4),
      ),
      el("span", { className: "action" }, button, dismiss, similar),
      error,
    );
  });
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
  $("meta-strategy").textContent = recs.strategy.replace(/_/g, " ").toLowerCase();
  const similarNote = $("meta-similar");
  similarNote.hidden = !similarTo;
  similarNote.textContent = similarTo ? `similar to ${similarTo.name}` : "";

  $("meta-filter").textContent = recs.filterClause;
  setFlag($("meta-session"), recs.usedSession);
  setFlag($("meta-rerank"), recs.usedRerank);
  const t = recs.timings;
  $("meta-timings").textContent = `embed ${fmt.ms(t.embedMs)} · search ${fmt.ms(t.searchMs)} · rerank ${fmt.ms(
    t.rerankMs,
  )} · total ${fmt.ms(t.totalMs)}`;
  $("results-meta").hidden = false;
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

function setFlag(node, on) {
  node.textContent = on ? "yes" : "no";
  node.className = on ? "flag on" : "flag off";
}

// ---------------------------------------------------------------- session

async function loadSession() {
  const userId = currentUser();
  clearErrors(["err-session", "err-user-id"]);
  try {
    const data = await gql(USER_FEATURES, { userId });
    if (userId === currentUser()) renderSession(data.userFeatures);
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  }
}

function renderSession(f) {
  state.features = f;
  $("session-user").textContent = f.userId;
  $("session-clicks").textContent = String(f.clicks);
  $("session-events").textContent = String(f.events);
  const last = f.lastClickedId ? state.productsById.get(f.lastClickedId) : null;
  $("session-last").textContent = f.lastClickedId
    ? `${last ? last.name : f.lastClickedId} (${f.lastClickedCategory || "?"})`
    : "–";
  $("session-vector").textContent = f.hasSessionVector ? `yes (${f.sessionVectorDim}-d)` : "none";

  const affinities = [...f.affinities].sort((a, b) => b.weight - a.weight || a.category.localeCompare(b.category));
  const top = affinities.length ? affinities[0].weight : 1;
  $("session-affinities").replaceChildren(
    ...(affinities.length
      ? affinities.map((a) =>
          el(
            "span",
            {
              className: `badge affinity${a.weight === top ? " top" : ""}`,
              dataset: { testid: "affinity-badge", category: a.category },
              title: `${a.category}: ${a.weight} click(s)`,
            },
            el("span", { text: a.category }),
            el("span", { className: "count", text: `× ${fmt.weight(a.weight)}` }),
          ),
        )
      : [el("span", { className: "muted small", text: "No affinities yet: click a product." })]),
  );
  renderRecent(f.recent || []);
}

/** The user's event history as the server keeps it (newest first); a deleted product shows its id. */
function renderRecent(events) {
  $("recent-clicks").replaceChildren(
    ...(events.length
      ? events.map((e) => {
          const at = new Date(e.at);
          return el(
            "li",
            { dataset: { testid: "recent-event", productId: e.productId, kind: e.kind } },
            el("span", { className: `badge kind kind-${e.kind.toLowerCase()}`, text: e.kind.replace(/_/g, " ").toLowerCase() }),
            el("span", { className: "name", text: e.product ? e.product.name : e.productId }),
            el("span", { className: "muted small", text: e.product ? e.product.category : "deleted" }),
            el("time", { className: "muted small mono", text: fmt.time(at), dateTime: at.toISOString() }),
          );
        })
      : [el("li", { className: "muted small empty-item", text: "No events yet." })]),
  );
}

async function clickProduct(productId, button, errorSlot) {
  const userId = currentUser();
  errorSlot.textContent = "";
  errorSlot.classList.remove("visible");
  clearErrors(["err-session", "err-user-id"]);
  setBusy(button, true, "…");
  let recorded = false;
  try {
    const result = (await gql(RECORD_CLICK, { userId, productId })).recordClick;
    if (result.__typename === "ProductNotFound") {
      errorSlot.textContent = result.message;
      errorSlot.classList.add("visible");
      return;
    }
    const product = state.productsById.get(result.lastClickedId) || { id: productId, name: productId, category: result.category };
    renderSession(result.user);
    toast(`Clicked ${product.name} · ${result.category} affinity ${fmt.weight(result.affinity)} · ${result.clicks} click${
      result.clicks === 1 ? "" : "s"
    }${state.hasSearched ? " · results updated" : ""}`);
    recorded = true;
  } catch (failure) {
    const errors = failure instanceof GraphQLFailure ? failure.errors : [];
    if (errors.some((e) => argumentOf(e) === "userId")) reportErrors(failure, "err-session", ["userId"]);
    else {
      errorSlot.textContent = errors.length ? readable(errors[0], argumentOf(errors[0])) : String(failure);
      errorSlot.classList.add("visible");
    }
  } finally {
    setBusy(button, false);
  }
  if (recorded) {
    flash(button, "Clicked ✓");
    await rerunSearch();
  }
}

async function dismissProduct(product, button, errorSlot) {
  errorSlot.textContent = "";
  errorSlot.classList.remove("visible");
  clearErrors(["err-session", "err-user-id"]);
  setBusy(button, true, "…");
  let recorded = false;
  try {
    const result = (await gql(RECORD_EVENT, { userId: currentUser(), productId: product.id, kind: "DISMISS" })).recordEvent;
    if (result.__typename === "ProductNotFound") {
      errorSlot.textContent = result.message;
      errorSlot.classList.add("visible");
      return;
    }
    renderSession(result.user);
    toast(`Not interested in ${product.name}: left out of results, ${product.category} lowered`);
    recorded = true;
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  } finally {
    setBusy(button, false);
  }
  if (recorded) await rerunSearch();
}

async function resetSession() {
  hideToast();
  const userId = currentUser();
  const button = $("reset-session");
  clearErrors(["err-session", "err-user-id"]);
  setBusy(button, true, "Resetting…");
  try {
    await gql(RESET_USER, { userId });
    await loadSession();
    await rerunSearch();
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  } finally {
    setBusy(button, false);
  }
}

// ---------------------------------------------------------------- refresh embedding

async function refreshEmbedding(event) {
  event.preventDefault();
  hideToast();
  const slots = ["err-refresh-product", "err-refresh-text", "err-refresh"];
  clearErrors(slots);
  const note = $("refresh-result");
  note.textContent = "";
  const productId = $("refresh-product").value;
  const text = $("refresh-text").value;
  if (!productId) {
    showError("err-refresh-product", "Pick a product.", ["refresh-product"]);
    return;
  }
  const button = $("refresh-btn");
  setBusy(button, true, "Embedding…");
  try {
    const result = (await gql(REFRESH_EMBEDDING, { productId, text })).refreshEmbedding;
    if (result.__typename === "ProductNotFound") {
      showError("err-refresh-product", result.message, ["refresh-product"]);
      return;
    }
    if (result.__typename === "NotAuthorized") {
      showError("err-refresh", `${result.message} Enter the admin token in the Index panel.`);
      return;
    }
    const product = state.productsById.get(result.productId);
    note.textContent = `${product ? product.name : result.productId} embedded in ${fmt.ms(result.embedMs)}.`;
    note.dataset.productId = result.productId;
  } catch (failure) {
    reportErrors(failure, "err-refresh", ["productId", "text"]);
    return;
  } finally {
    setBusy(button, false);
  }
  await rerunSearch();
}

// ---------------------------------------------------------------- reset everything

async function resetEverything() {
  hideToast();
  const button = $("reset-all");
  const note = $("index-result");
  clearErrors(["err-index"]);
  $("admin-token").removeAttribute("aria-invalid");
  note.textContent = "";
  setBusy(button, true, "Resetting…");
  try {
    const reset = (await gql(RESET_INDEX)).resetIndex;
    if (reset.__typename === "NotAuthorized") {
      showError("err-index", `${reset.message} Enter the admin token above.`, ["admin-token"]);
      return;
    }
    const userId = currentUser();
    await gql(RESET_USER, { userId });
    note.textContent = `Index ${reset.indexName} recreated and seeded with ${reset.seeded} products; session of ${userId} cleared.`;
    $("refresh-result").textContent = "";
    await loadAll();
    await loadSession();
    await rerunSearch();
  } catch (failure) {
    reportErrors(failure, "err-index");
  } finally {
    setBusy(button, false);
  }
}

// ---------------------------------------------------------------- wiring

function init() {
  $("suggestions").replaceChildren(
    el("span", { className: "muted small", text: "Try:" }),
    ...EXAMPLES.map((text) =>
      el("button", {
        type: "button",
        className: "chip-btn",
        text,
        onclick: () => {
          $("query").value = text;
          runSearch();
        },
      }),
    ),
  );
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    hideToast();
    runSearch();
  });
  $("user-id").addEventListener("change", () => {
    loadSession();
    rerunSearch();
  });
  $("reset-session").addEventListener("click", resetSession);
  $("refresh-form").addEventListener("submit", refreshEmbedding);
  $("use-query").addEventListener("click", () => {
    $("refresh-text").value = $("query").value;
  });
  $("reset-all").addEventListener("click", resetEverything);
  $("catalogue-filter").addEventListener("change", renderCatalogue);
  $("results").dataset.state = "idle";
  // Editing a flagged control clears its message; the next request re-validates it.
  for (const spec of Object.values(ERROR_SLOTS)) {
    for (const id of spec.inputs) $(id).addEventListener("input", () => clearErrors([spec.slot]));
  }

  $("exclude-seen").addEventListener("change", rerunSearch);
  $("mode").addEventListener("change", rerunSearch);
  $("diversity").addEventListener("input", () => {
    const value = Number($("diversity").value);
    $("diversity-value").textContent = value > 0 ? fmt.num(value, 1) : "off";
  });
  $("diversity").addEventListener("change", rerunSearch);
  $("load-more").addEventListener("click", () => {
    if (state.last) runRequest(state.last, true);
  });
  renderRecent([]);
  Promise.all([loadAll(), loadSession()]).then(() => {
    // Again once both are in: the "last clicked" line names the product once the catalogue is known.
    if (state.features && state.features.userId === currentUser()) renderSession(state.features);
    document.body.dataset.ready = "true";
  });
}

init();
