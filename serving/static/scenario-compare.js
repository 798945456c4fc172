// The ranking before and after a scenario, side by side: the search form's query (none: recommended for you)
// for the form's user, once without the scenario and once with it, in one request.

import { errorsOf, gql } from "./api.js";
import { $, el, fmt } from "./dom.js";
import { COMPARE } from "./scenario-documents.js";
import { currentUser } from "./state.js";

export async function showComparison(scenario) {
  const query = $("query").value.trim() || null;
  const box = $("sc-compare");
  $("err-sc-compare").textContent = "";
  try {
    const { before, after } = await gql(COMPARE, { query, userId: currentUser(), scenario });
    $("sc-compare-request").textContent =
      `${query ? `“${query}”` : "recommended for you"} · user ${currentUser()} · ${before.strategy.toLowerCase()}`;
    $("sc-after-label").textContent = `${after.scenario} · variant ${after.variant}`;
    const ranks = new Map(before.items.map((item, i) => [item.product.id, i + 1]));
    $("sc-before").replaceChildren(...before.items.map((item, i) => compareRow(item, i + 1, null)));
    $("sc-after").replaceChildren(...after.items.map((item, i) => compareRow(item, i + 1, ranks)));
    box.hidden = false;
    box.dataset.state = "ready";
  } catch (failure) {
    $("err-sc-compare").textContent = errorsOf(failure).map((e) => e.message).join(" ");
    box.hidden = true;
  }
}

/** One product of a column: rank, name, reason (PINNED stands out), rule adjustment, and in "after" how far it moved. */
function compareRow(item, rank, ranksBefore) {
  const why = item.explanation;
  const pinned = why.reason === "PINNED";
  return el(
    "li",
    {
      className: pinned ? "compare-row pinned" : "compare-row",
      dataset: { testid: "compare-row", productId: item.product.id, rank: String(rank), reason: why.reason },
    },
    el("span", { className: "rank", text: String(rank) }),
    el("span", { className: "name", text: item.product.name, title: `${item.product.id} · ${item.product.category}` }),
    el("span", {
      className: `badge reason reason-${why.reason.toLowerCase()}`,
      text: pinned ? "PINNED" : why.reason.replace(/_/g, " ").toLowerCase(),
      dataset: { testid: "compare-reason" },
    }),
    adjustment(why.ruleAdjustment),
    ranksBefore ? movement(ranksBefore.get(item.product.id), rank) : null,
  );
}

function adjustment(value) {
  if (!value) return null;
  const text = value > 0 ? `boost −${fmt.num(value, 3)}` : `bury +${fmt.num(-value, 3)}`;
  return el("span", { className: "badge bonus", text, title: "ruleAdjustment, in the score's units",
    dataset: { testid: "compare-adjustment" } });
}

function movement(before, now) {
  if (before === undefined) return el("span", { className: "move new", text: "new", title: "Not in the ranking before" });
  if (before === now) return null;
  const up = before > now;
  return el("span", { className: up ? "move up" : "move down", text: `${up ? "▲" : "▼"} ${Math.abs(before - now)}`,
    title: `Rank ${before} before` });
}
