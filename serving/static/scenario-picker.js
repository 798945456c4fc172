// The scenario picker beside the search form: the saved scenarios (an admin read; the demo is admin on
// loopback when no admin token is set), "none" by default. The chosen one goes with every recommending request.

import { errorsOf, gql } from "./api.js";
import { $, el } from "./dom.js";
import { clearErrors, showError } from "./errors.js";
import { SCENARIOS } from "./scenario-documents.js";

const DEFAULT_K = "10";
const listeners = [];

export function initPicker() {
  $("scenario").addEventListener("change", () => {
    for (const listener of listeners) listener(chosenScenario());
  });
  // Listing scenarios is an admin read: a token typed in (or changed) may be what it was missing.
  $("admin-token").addEventListener("change", () => loadScenarios());
}

/** Run `listener(name)` whenever the picked scenario changes (null: none). */
export function onScenarioChange(listener) {
  listeners.push(listener);
}

export function chosenScenario() {
  return $("scenario").value || null;
}

/** Fill the picker from the server, keeping the choice when it still exists; `select` picks a name. */
export async function loadScenarios(select = null) {
  const picker = $("scenario");
  clearErrors(["err-scenario"]);
  try {
    const { scenarios } = await gql(SCENARIOS);
    const keep = select || picker.value;
    const options = scenarios.map((s) => el("option", { value: s.name, text: s.name, title: s.description || "" }));
    picker.replaceChildren(el("option", { value: "", text: "none" }), ...options);
    picker.value = scenarios.some((s) => s.name === keep) ? keep : "";
    return scenarios;
  } catch (failure) {
    const forbidden = errorsOf(failure).some((e) => (e.extensions || {}).code === "FORBIDDEN");
    const message = forbidden ? "Listing scenarios needs the admin token (Index panel)." : "Scenarios unavailable.";
    showError("err-scenario", message, ["scenario"]);
    return [];
  }
}

/** The request under the picked scenario. The form's settings left at their defaults are not sent, so the
 * scenario's own (k, blend, re-rank, exclusions) show through; what the user changed still overrides them. */
export function underScenario(variables) {
  const scenario = chosenScenario();
  if (!scenario) return variables;
  const request = { ...variables, scenario };
  if (String(request.k) === DEFAULT_K) delete request.k;
  if (request.blend && request.blend.enabled) delete request.blend;
  if (request.rerank && request.rerank.enabled) delete request.rerank;
  if (request.exclude && !request.exclude.seen) delete request.exclude;
  return request;
}
