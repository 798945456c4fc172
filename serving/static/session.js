// The user's session: the Click and "Not interested" buttons that record events, the session panel
// (clicks, affinities, session vector, the event history kept in Redis) and its reset.

import { argumentOf, errorsOf, gql } from "./api.js";
import { RECORD_EVENT, RESET_USER, USER_FEATURES } from "./documents.js";
import { $, el, flash, fmt, hideToast, setBusy, toast } from "./dom.js";
import { clearErrors, readable, reportErrors, setRowError } from "./errors.js";
import { recordClickOn, recordOnPage } from "./page-events.js";
import { currentUser, state } from "./state.js";

const SESSION_SLOTS = ["err-session", "err-user-id"];

let afterChange = async () => {};

/** What runs once an event changed the session; the page re-runs its search to show how the ranking moved. */
export function onSessionChange(listener) {
  afterChange = listener;
}

export async function loadSession() {
  const userId = currentUser();
  clearErrors(SESSION_SLOTS);
  try {
    const data = await gql(USER_FEATURES, { userId });
    if (userId === currentUser()) renderSession(data.userFeatures);
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  }
}

export function renderSession(f) {
  state.features = f;
  $("session-user").textContent = f.userId;
  $("session-clicks").textContent = String(f.clicks);
  $("session-events").textContent = String(f.events);
  const last = f.lastClickedId ? state.productsById.get(f.lastClickedId) : null;
  $("session-last").textContent = f.lastClickedId
    ? `${last ? last.name : f.lastClickedId} (${f.lastClickedCategory || "?"})`
    : "–";
  $("session-vector").textContent = f.hasSessionVector ? `yes (${f.sessionVectorDim}-d)` : "none";
  renderAffinities(f.affinities);
  renderRecent(f.recent || []);
}

function renderAffinities(list) {
  const affinities = [...list].sort((a, b) => b.weight - a.weight || a.category.localeCompare(b.category));
  const top = affinities.length ? affinities[0].weight : 1;
  const badge = (a) =>
    el(
      "span",
      {
        className: `badge affinity${a.weight === top ? " top" : ""}`,
        dataset: { testid: "affinity-badge", category: a.category },
        title: `${a.category}: ${a.weight} click(s)`,
      },
      el("span", { text: a.category }),
      el("span", { className: "count", text: `× ${fmt.weight(a.weight)}` }),
    );
  $("session-affinities").replaceChildren(
    ...(affinities.length
      ? affinities.map(badge)
      : [el("span", { className: "muted small", text: "No affinities yet: click a product." })]),
  );
}

/** The user's event history as the server keeps it (newest first); a deleted product shows its id. */
export function renderRecent(events) {
  const item = (e) => {
    const at = new Date(e.at);
    return el(
      "li",
      { dataset: { testid: "recent-event", productId: e.productId, kind: e.kind } },
      el("span", { className: `badge kind kind-${e.kind.toLowerCase()}`, text: kindLabel(e.kind) }),
      el("span", { className: "name", text: e.product ? e.product.name : e.productId }),
      el("span", { className: "muted small", text: e.product ? e.product.category : "deleted" }),
      el("time", { className: "muted small mono", text: fmt.time(at), dateTime: at.toISOString() }),
    );
  };
  $("recent-clicks").replaceChildren(
    ...(events.length ? events.map(item) : [el("li", { className: "muted small empty-item", text: "No events yet." })]),
  );
}

function kindLabel(kind) {
  return kind.replace(/_/g, " ").toLowerCase();
}

/** "Click" on a catalogue card or a result row (pageId: the id of the page the row is on); errors about this
 * product go to its own error line. */
export function clickButton(p, testid, errorSlot, pageId = null) {
  const button = el("button", {
    type: "button",
    className: "btn small",
    text: "Click",
    dataset: { testid },
    attrs: { "aria-label": `Click ${p.name}` },
  });
  button.addEventListener("click", () => clickProduct(p.id, button, errorSlot, pageId));
  return button;
}

/** "Buy" on a result row: a PURCHASE, counted for the page's scenario and variant. */
export function buyButton(p, errorSlot, pageId) {
  const button = el("button", {
    type: "button",
    className: "btn ghost small",
    text: "Buy",
    dataset: { testid: "buy-btn" },
    attrs: { "aria-label": `Buy ${p.name}` },
  });
  button.addEventListener("click", () => buyProduct(p, { button, errorSlot, pageId }));
  return button;
}

/** "Not interested" on a result row: a DISMISS event, which leaves the product out of the next results. */
export function dismissButton(p, errorSlot) {
  const button = el("button", {
    type: "button",
    className: "btn ghost small",
    text: "Not interested",
    dataset: { testid: "dismiss-btn" },
    attrs: { "aria-label": `Not interested in ${p.name}` },
  });
  button.addEventListener("click", () => dismissProduct(p, button, errorSlot));
  return button;
}

async function clickProduct(productId, button, errorSlot, pageId) {
  const userId = currentUser();
  setRowError(errorSlot, "");
  clearErrors(SESSION_SLOTS);
  setBusy(button, true, "…");
  let recorded = false;
  try {
    const result = await recordClickOn(userId, productId, pageId);
    if (result.__typename === "ProductNotFound") {
      setRowError(errorSlot, result.message);
      return;
    }
    const product = state.productsById.get(result.lastClickedId);
    const clicks = `${result.clicks} click${result.clicks === 1 ? "" : "s"}`;
    const affinity = `${result.category} affinity ${fmt.weight(result.affinity)}`;
    renderSession(result.user);
    const counted = result.attributed ? " · counted for its page's variant" : "";
    toast(`Clicked ${product ? product.name : productId} · ${affinity} · ${clicks}${counted}${
      state.hasSearched ? " · results updated" : ""
    }`);
    recorded = true;
  } catch (failure) {
    const errors = errorsOf(failure);
    if (errors.some((e) => argumentOf(e) === "userId")) reportErrors(failure, "err-session", ["userId"]);
    else setRowError(errorSlot, readable(errors[0], argumentOf(errors[0])));
  } finally {
    setBusy(button, false);
  }
  if (recorded) {
    flash(button, "Clicked ✓");
    await afterChange();
  }
}

async function dismissProduct(product, button, errorSlot) {
  setRowError(errorSlot, "");
  clearErrors(SESSION_SLOTS);
  setBusy(button, true, "…");
  let recorded = false;
  try {
    const variables = { userId: currentUser(), productId: product.id, kind: "DISMISS" };
    const result = (await gql(RECORD_EVENT, variables)).recordEvent;
    if (result.__typename === "ProductNotFound") {
      setRowError(errorSlot, result.message);
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
  if (recorded) await afterChange();
}

async function buyProduct(product, { button, errorSlot, pageId }) {
  setRowError(errorSlot, "");
  clearErrors(SESSION_SLOTS);
  setBusy(button, true, "…");
  let recorded = false;
  try {
    const variables = { userId: currentUser(), productId: product.id, kind: "PURCHASE", pageId };
    const result = await recordOnPage(variables);
    if (result.__typename === "ProductNotFound") {
      setRowError(errorSlot, result.message);
      return;
    }
    renderSession(result.user);
    toast(`Bought ${product.name}${result.attributed ? " · counted for its page's variant" : ""}`);
    recorded = true;
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  } finally {
    setBusy(button, false);
  }
  if (recorded) {
    flash(button, "Bought ✓");
    await afterChange();
  }
}

export async function resetSession() {
  hideToast();
  const userId = currentUser();
  const button = $("reset-session");
  clearErrors(SESSION_SLOTS);
  setBusy(button, true, "Resetting…");
  try {
    await gql(RESET_USER, { userId });
    await loadSession();
    await afterChange();
  } catch (failure) {
    reportErrors(failure, "err-session", ["userId"]);
  } finally {
    setBusy(button, false);
  }
}
