// What the page knows between requests, shared by its parts.

import { $ } from "./dom.js";

export const state = {
  products: [],
  productsById: new Map(),
  searchSeq: 0,
  searchCount: 0,
  hasSearched: false,
  features: null, // the current user's last known features
  last: null, // the last request shown: { kind: "recommend" | "similar", variables, product }
  endCursor: null, // its pageInfo.endCursor, for "load more"
};

export function currentUser() {
  return $("user-id").value.trim() || "demo";
}
