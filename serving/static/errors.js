// Errors where the user looks: each GraphQL error next to the control whose argument it names, in the
// words of that control's label; an unreachable or unavailable service also in the banner at the top.

import { argumentOf, errorsOf } from "./api.js";
import { $, el } from "./dom.js";

// Which error slot (and which inputs) an argument belongs to.
export const ERROR_SLOTS = {
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
  scenario: { slot: "err-scenario", inputs: ["scenario"], label: "Scenario" },
  productId: { slot: "err-refresh-product", inputs: ["refresh-product"], label: "Product" },
  text: { slot: "err-refresh-text", inputs: ["refresh-text"], label: "Text" },
};
const ARGUMENT_LABELS = Object.fromEntries(Object.entries(ERROR_SLOTS).map(([name, s]) => [name, s.label]));

/** Whether an error means the store or the server is out of reach (not a refusal such as a rate limit). */
export function isOutage(error) {
  const code = (error.extensions || {}).code;
  return code === "SERVICE_UNAVAILABLE" || code === "NETWORK";
}

/** An error in the words of the form: "Invalid argument filters.minPrice: must not exceed filters.maxPrice
 * (500 > 10)" → "Min price must not exceed max price (500 > 10)". */
export function readable(error, argument) {
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

export function showError(slotId, message, inputIds = []) {
  const slot = $(slotId);
  slot.textContent = message;
  slot.classList.add("visible");
  for (const id of inputIds) $(id).setAttribute("aria-invalid", "true");
}

export function clearErrors(slotIds) {
  for (const id of slotIds) {
    const slot = $(id);
    slot.textContent = "";
    slot.classList.remove("visible");
  }
  for (const [, spec] of Object.entries(ERROR_SLOTS)) {
    if (slotIds.includes(spec.slot)) for (const input of spec.inputs) $(input).removeAttribute("aria-invalid");
  }
}

/** Route each GraphQL error to the slot of the control that caused it; the rest go to fallbackSlot. Returns
 * how many went beside a control (0: none is about a field, e.g. a rate limit or the service being down). */
export function reportErrors(failure, fallbackSlot, allowed = null) {
  let onFields = 0;
  for (const error of errorsOf(failure)) {
    const argument = argumentOf(error);
    const spec = argument ? ERROR_SLOTS[argument] : undefined;
    const message = readable(error, argument);
    if (spec && (!allowed || allowed.includes(argument))) {
      showError(spec.slot, message, spec.inputs);
      onFields += 1;
    } else showError(fallbackSlot, message);
    if (isOutage(error)) showBanner(message);
  }
  return onFields;
}

/** Editing a flagged control clears its message; the next request re-validates it. */
export function clearErrorsOnInput() {
  for (const spec of Object.values(ERROR_SLOTS)) {
    for (const id of spec.inputs) $(id).addEventListener("input", () => clearErrors([spec.slot]));
  }
}

function showBanner(message) {
  const banner = $("global-error");
  banner.textContent = message;
  banner.hidden = false;
}

export function hideBanner() {
  $("global-error").hidden = true;
}

// The error line under one catalogue card or result row, for what went wrong with that product only.
export function rowError(testid) {
  return el("p", { className: "error row-error", dataset: { testid }, attrs: { role: "alert" } });
}

export function setRowError(slot, message) {
  slot.textContent = message;
  slot.classList.toggle("visible", Boolean(message));
}
