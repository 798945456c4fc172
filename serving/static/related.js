// "Related" for one product: what shoppers bought together with it and what they also viewed, each item with
// its reason (co-engagement, or a similar product filling the list up). One request: both lists as aliases.

import { errorsOf, gql } from "./api.js";
import { $, el, productLine } from "./dom.js";
import { RELATED } from "./documents.js";
import { chosenScenario } from "./scenario-picker.js";
import { currentUser } from "./state.js";

const RELATED_K = 5;
// How the page names each reason a related item may carry.
const REASONS = {
  ALSO_VIEWED: "also viewed",
  BOUGHT_TOGETHER: "bought together",
  SIMILAR_TO_PRODUCT: "similar item",
};

let showing = 0; // the newest request owns the panel

/** "related" on a result row: the product's bought-together and also-viewed lists. */
export function relatedLink(p) {
  const link = el("button", {
    type: "button",
    className: "link-btn small",
    text: "related",
    dataset: { testid: "related-link" },
    attrs: { "aria-label": `Products related to ${p.name}` },
  });
  link.addEventListener("click", () => showRelated(p));
  return link;
}

export function initRelated() {
  $("related-close").addEventListener("click", () => {
    showing += 1;
    $("related-panel").hidden = true;
  });
}

export async function showRelated(product) {
  const mine = ++showing;
  const panel = $("related-panel");
  panel.hidden = false;
  panel.dataset.state = "loading";
  $("related-product").textContent = product.name;
  $("err-related").textContent = "";
  // The lists of the product shown before are not this one's: empty until (and unless) this one's arrive.
  $("related-bought").replaceChildren();
  $("related-viewed").replaceChildren();
  try {
    const variables = { productId: product.id, userId: currentUser(), k: RELATED_K, scenario: chosenScenario() };
    const data = await gql(RELATED, variables);
    if (mine !== showing) return;
    renderList($("related-bought"), data.bought);
    renderList($("related-viewed"), data.viewed);
  } catch (failure) {
    if (mine !== showing) return;
    $("err-related").textContent = errorsOf(failure).map((e) => e.message).join(" ");
  }
  panel.dataset.state = "ready";
  panel.scrollIntoView({ block: "nearest" });
}

function renderList(list, result) {
  if (result.__typename !== "Recommendations") {
    list.replaceChildren(el("li", { className: "muted small", text: result.message }));
    return;
  }
  list.replaceChildren(...result.items.map(relatedRow));
}

function relatedRow(item) {
  const p = item.product;
  const reason = item.explanation.reason;
  return el(
    "li",
    { className: "related-item", dataset: { testid: "related-row", productId: p.id, reason } },
    el("span", { className: "name", text: p.name }),
    el("span", {
      className: `badge reason reason-${reason.toLowerCase()}`,
      text: REASONS[reason] || reason,
      dataset: { testid: "related-reason" },
    }),
    el("div", { className: "sub muted small", text: productLine(p) }),
  );
}
