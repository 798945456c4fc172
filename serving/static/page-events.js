// Events on a product of a served page: sent with the page's recommendation id, so a click or a purchase
// counts for the scenario and variant that served the page (the admin's stats view reads those counts).

import { gql } from "./api.js";
import { RECORD_CLICK } from "./documents.js";
import { RECORD_ON_PAGE } from "./scenario-documents.js";
import { state } from "./state.js";

/** Record an event of `kind` on the product; `pageId` is the id of the page it was on (null: not on one). */
export async function recordOnPage({ userId, productId, kind, pageId }) {
  const variables = { userId, productId, kind, recommendationId: pageId || null };
  return (await gql(RECORD_ON_PAGE, variables)).recordEvent;
}

/** A click as the session panel and its toast show it: recordClick off a page, recordEvent(CLICK) on one. */
export async function recordClickOn(userId, productId, pageId) {
  if (!pageId) return (await gql(RECORD_CLICK, { userId, productId })).recordClick;
  const result = await recordOnPage({ userId, productId, kind: "CLICK", pageId });
  if (result.__typename !== "EventRecorded") return result;
  const category = state.productsById.get(productId)?.category || result.user.lastClickedCategory || "?";
  const affinity = result.user.affinities.find((a) => a.category === category);
  return {
    __typename: "ClickRecorded",
    category,
    affinity: affinity ? affinity.weight : 0,
    clicks: result.user.clicks,
    lastClickedId: productId,
    user: result.user,
    attributed: result.attributed,
  };
}
