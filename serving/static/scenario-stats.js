// The experiments view: the picked scenario's stats per variant (requests, impressions, clicks, add to carts,
// purchases, revenue, CTR, conversion) and each variant against control with a plain verdict.

import { errorsOf, gql } from "./api.js";
import { $, el, fmt, setBusy } from "./dom.js";
import { SCENARIO_STATS } from "./scenario-documents.js";
import { chosenScenario, onScenarioChange } from "./scenario-picker.js";

const pct = (value) => `${fmt.num(value * 100, 2)} %`;
const TEXT_COLUMNS = new Set(["variant", "metric", "verdict"]);
const VARIANT_COLUMNS = [
  ["variant", "Variant", (v) => v.variant],
  ["requests", "Requests", (v) => v.requests],
  ["impressions", "Impressions", (v) => v.impressions],
  ["clicks", "Clicks", (v) => v.clicks],
  ["addToCarts", "Add to carts", (v) => v.addToCarts],
  ["purchases", "Purchases", (v) => v.purchases],
  ["revenue", "Revenue", (v) => fmt.price(v.revenue)],
  ["ctr", "CTR", (v) => pct(v.ctr)],
  ["conversionRate", "Conversion", (v) => pct(v.conversionRate)],
];
const COMPARISON_COLUMNS = [
  ["variant", "Variant", (c) => c.variant],
  ["metric", "Metric", (c) => c.metric],
  ["lift", "Lift", (c) => `${c.lift >= 0 ? "+" : ""}${pct(c.lift)}`],
  ["interval", "95 % interval", (c) => `${pct(c.lower95)} … ${pct(c.upper95)}`],
  ["pValue", "p-value", (c) => fmt.num(c.pValue, 4)],
  ["verdict", "Verdict", (c) => (c.significant ? "significant" : "not significant")],
];

export function initStats() {
  $("sc-stats-btn").addEventListener("click", showStats);
  onScenarioChange(() => {
    if (!$("sc-stats").hidden) showStats();
  });
}

export async function showStats() {
  const name = chosenScenario();
  const error = $("err-sc-stats");
  error.textContent = "";
  error.classList.remove("visible");
  if (!name) {
    error.textContent = "Pick a scenario beside the search form first.";
    error.classList.add("visible");
    $("sc-stats").hidden = true;
    return;
  }
  const button = $("sc-stats-btn");
  setBusy(button, true, "Loading…");
  try {
    const stats = (await gql(SCENARIO_STATS, { name })).scenarioStats;
    $("sc-stats-name").textContent = stats.scenario;
    $("sc-stats-variants").replaceChildren(table(VARIANT_COLUMNS, stats.variants, "stats-variant-row"));
    $("sc-stats-comparison").replaceChildren(
      stats.comparison.length
        ? table(COMPARISON_COLUMNS, stats.comparison, "stats-comparison-row")
        : el("p", { className: "muted small", text: "No variant to compare with control yet." }),
    );
    $("sc-stats").hidden = false;
    $("sc-stats").dataset.state = "ready";
  } catch (failure) {
    error.textContent = errorsOf(failure).map((e) => e.message).join(" ");
    error.classList.add("visible");
  } finally {
    setBusy(button, false);
  }
}

/** A table of `rows`, one cell per column, each cell marked with its column's key for the browser test. */
function table(columns, rows, testid) {
  const th = ([key, label]) => el("th", { className: TEXT_COLUMNS.has(key) ? "" : "num", text: label, attrs: { scope: "col" } });
  const head = el("tr", {}, ...columns.map(th));
  const body = rows.map((row) =>
    el(
      "tr",
      { dataset: { testid, variant: row.variant } },
      ...columns.map(([key, , value]) => cell(key, value(row), row)),
    ),
  );
  return el("table", { className: "stats-table" }, el("thead", {}, head), el("tbody", {}, ...body));
}

function cell(key, text, row) {
  const verdict = key === "verdict" ? (row.significant ? "verdict yes" : "verdict no") : "";
  return el("td", { className: TEXT_COLUMNS.has(key) ? verdict : `num ${verdict}`, text,
    dataset: { col: key } });
}
