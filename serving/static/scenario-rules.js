// The rule rows of the scenario form: one row per merchandising rule (action, product ids, weight, position),
// each with its own error line, read in order into `RuleInput`s.

import { $, el } from "./dom.js";

const ACTIONS = ["PIN", "BOOST", "BURY", "HIDE"];
let nextRow = 0;

export function initRules() {
  $("sc-add-rule").addEventListener("click", () => addRule());
}

/** A new rule row (its inputs named by a counter, so removing a row leaves the others' ids alone). */
export function addRule() {
  const n = nextRow++;
  const id = (field) => `rule-${n}-${field}`;
  const input = (field, props) =>
    el("input", { id: id(field), dataset: { testid: `rule-${field}`, field }, attrs: { "aria-label": props.label },
      placeholder: props.placeholder, type: props.type || "text", step: "any" });
  const action = el("select", { id: id("action"), dataset: { testid: "rule-action", field: "action" },
    attrs: { "aria-label": "Action" } }, ...ACTIONS.map((a) => el("option", { value: a, text: a })));
  const error = el("p", { className: "error rule-error", id: id("error"), dataset: { testid: "rule-error" },
    attrs: { role: "alert" } });
  const row = el(
    "div",
    { className: "rule-row", dataset: { testid: "rule-row", row: String(n) } },
    action,
    input("productIds", { label: "Product ids", placeholder: "e.g. p005, p012" }),
    input("weight", { label: "Weight", placeholder: "0–10", type: "number" }),
    input("position", { label: "Position", placeholder: "1–k", type: "number" }),
    el("button", { type: "button", className: "link-btn small", text: "remove", dataset: { testid: "rule-remove" },
      onclick: () => row.remove() }),
    error,
  );
  $("sc-rules").append(row);
  return row;
}

export function ruleRows() {
  return [...$("sc-rules").querySelectorAll(".rule-row")];
}

/** The rows as RuleInputs; a field that is not a number is reported on its row and yields null. */
export function readRules(local) {
  return ruleRows().map((row, index) => {
    const field = (name) => row.querySelector(`[data-field="${name}"]`);
    const rule = { action: field("action").value };
    const ids = field("productIds").value.split(/[\s,]+/).filter(Boolean);
    if (ids.length) rule.productIds = ids;
    for (const name of ["weight", "position"]) {
      const input = field(name);
      if (input.validity.badInput) local.push([`scenario.rules[${index}].${name}`, "Enter a number."]);
      else if (input.value.trim() !== "") rule[name] = Number(input.value);
    }
    return rule;
  });
}

/** The error line and input of `scenario.rules[i].field`, or null when no such row. */
export function ruleSlot(index, fieldName) {
  const row = ruleRows()[index];
  if (!row) return null;
  const input = row.querySelector(`[data-field="${fieldName}"]`);
  return { slot: row.querySelector(".rule-error").id, inputs: input ? [input.id] : [] };
}

export function clearRuleErrors() {
  for (const row of ruleRows()) {
    const error = row.querySelector(".rule-error");
    error.textContent = "";
    error.classList.remove("visible");
    for (const input of row.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  }
}
