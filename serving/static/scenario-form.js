// The "Scenarios" admin panel: create or replace a scenario (sources in order, rules, one optional A/B variant)
// with upsertScenario, each typed error beside the field it names; then the ranking before and after it.

import { argumentOf, errorsOf, gql } from "./api.js";
import { $, hideToast, setBusy } from "./dom.js";
import { clearErrors, showError } from "./errors.js";
import { showComparison } from "./scenario-compare.js";
import { UPSERT_SCENARIO } from "./scenario-documents.js";
import { loadScenarios } from "./scenario-picker.js";
import { clearRuleErrors, initRules, readRules, ruleSlot } from "./scenario-rules.js";

const SOURCES = ["QUERY", "SESSION", "BEHAVIOUR", "POPULAR", "TRENDING", "TOP_RATED"];
const FORM_SLOTS = ["err-sc-name", "err-sc-description", "err-sc-sources", "err-sc-rules", "err-sc-variant",
  "err-scenario-form"];
// Where an error about a top-level field of the scenario goes, and the input it marks.
const FIELDS = {
  name: { slot: "err-sc-name", inputs: ["sc-name"], label: "Name" },
  description: { slot: "err-sc-description", inputs: ["sc-description"], label: "Description" },
  sources: { slot: "err-sc-sources", inputs: [], label: "Sources" },
  rules: { slot: "err-sc-rules", inputs: [], label: "Rules" },
  variants: { slot: "err-sc-variant", inputs: [], label: "Variant" },
};
const VARIANT_INPUTS = { name: "sc-variant-name", share: "sc-variant-share", k: "sc-variant-k", rerank: "sc-variant-rerank" };

export function initScenarioForm() {
  initRules();
  $("scenario-form").addEventListener("submit", saveScenario);
}

function number(id, argument, local) {
  const input = $(id);
  if (input.validity.badInput) local.push([argument, "Enter a number."]);
  return input.value.trim() === "" || input.validity.badInput ? undefined : Number(input.value);
}

/** The form as a ScenarioInput; `local` collects [argument, message] for fields that are not numbers. */
function readScenario(local) {
  const scenario = { name: $("sc-name").value.trim() };
  const sources = SOURCES.filter((s) => $(`sc-source-${s}`).checked);
  if (sources.length) scenario.sources = sources; // none ticked: the default order
  const description = $("sc-description").value.trim();
  if (description) scenario.description = description;
  scenario.rules = readRules(local);
  const name = $("sc-variant-name").value.trim();
  if (name) {
    const variant = { name, share: number("sc-variant-share", "scenario.variants[0].share", local) };
    const k = number("sc-variant-k", "scenario.variants[0].k", local);
    if (k !== undefined) variant.k = k;
    if ($("sc-variant-rerank").checked) variant.rerank = { enabled: false };
    if (variant.share === undefined) local.push(["scenario.variants[0].share", "Give the variant a share, 0 to 1."]);
    scenario.variants = [variant];
  }
  return scenario;
}

/** The slot and inputs an argument such as `scenario.rules[2].position` belongs to, with a label for it. */
function slotOf(argument) {
  const parts = (argument || "").match(/^scenario\.(\w+)(?:\[(\d+)\])?(?:\.(\w+))?/);
  if (!parts) return { slot: "err-scenario-form", inputs: [], label: null };
  const [, field, index, sub] = parts;
  const label = sub ? sub.replace(/([A-Z])/g, " $1").toLowerCase() : null;
  if (field === "rules" && index !== undefined) {
    const row = ruleSlot(Number(index), sub);
    if (row) return { ...row, label: `Rule ${Number(index) + 1}${label ? ` ${label}` : ""}` };
  }
  if (field === "variants" && sub) {
    return { slot: "err-sc-variant", inputs: VARIANT_INPUTS[sub] ? [VARIANT_INPUTS[sub]] : [], label: `Variant ${label}` };
  }
  return FIELDS[field] || { slot: "err-scenario-form", inputs: [], label: null };
}

/** "Invalid argument scenario.rules[0].position: must be …" → "Rule 1 position must be …", beside row 1. */
function showFieldError(argument, message) {
  const spec = slotOf(argument);
  const text = String(message).replace(/^Invalid argument \S+: /, "").replace(/^Variable '\$\w+' has invalid value at \S+: /, "");
  showError(spec.slot, spec.label ? `${spec.label}: ${text}` : text, spec.inputs);
}

function clearForm() {
  clearErrors(FORM_SLOTS);
  clearRuleErrors();
  for (const input of $("scenario-form").querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  $("sc-result").textContent = "";
}

async function saveScenario(event) {
  event.preventDefault();
  hideToast();
  clearForm();
  const local = [];
  const scenario = readScenario(local);
  for (const [argument, message] of local) showFieldError(argument, message);
  if (local.length) return;
  const button = $("sc-save");
  setBusy(button, true, "Saving…");
  try {
    const saved = (await gql(UPSERT_SCENARIO, { scenario })).upsertScenario;
    if (saved.__typename === "NotAuthorized") {
      showError("err-scenario-form", `${saved.message} Enter the admin token in the Index panel.`);
      return;
    }
    const variants = saved.variants.map((v) => `${v.name} ${Math.round(v.share * 100)} %`).join(", ");
    $("sc-result").textContent = `Saved ${saved.name}: ${saved.sources.join(" → ") || "default sources"}, ` +
      `${saved.rules.length} rule${saved.rules.length === 1 ? "" : "s"}${variants ? `, variant ${variants}` : ""}.`;
    await loadScenarios();
    await showComparison(saved.name);
  } catch (failure) {
    for (const error of errorsOf(failure)) showFieldError(argumentOf(error), error.message);
  } finally {
    setBusy(button, false);
  }
}
