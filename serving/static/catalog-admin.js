// The admin side of the catalogue: re-embed one product from new text, and reset everything (the index
// recreated and reseeded, the session cleared). Both need the admin token when the server sets one.

import { gql } from "./api.js";
import { REFRESH_EMBEDDING, RESET_INDEX, RESET_USER } from "./documents.js";
import { $, fmt, hideToast, setBusy } from "./dom.js";
import { clearErrors, reportErrors, showError } from "./errors.js";
import { loadAll } from "./catalogue.js";
import { rerunSearch } from "./search.js";
import { loadSession } from "./session.js";
import { currentUser, state } from "./state.js";

const REFRESH_SLOTS = ["err-refresh-product", "err-refresh-text", "err-refresh"];

export function initCatalogAdmin() {
  $("refresh-form").addEventListener("submit", refreshEmbedding);
  $("use-query").addEventListener("click", () => {
    $("refresh-text").value = $("query").value;
  });
  $("reset-all").addEventListener("click", resetEverything);
}

async function refreshEmbedding(event) {
  event.preventDefault();
  hideToast();
  clearErrors(REFRESH_SLOTS);
  const note = $("refresh-result");
  note.textContent = "";
  const productId = $("refresh-product").value;
  const text = $("refresh-text").value;
  if (!productId) {
    showError("err-refresh-product", "Pick a product.", ["refresh-product"]);
    return;
  }
  const button = $("refresh-btn");
  setBusy(button, true, "Embedding…");
  try {
    const result = (await gql(REFRESH_EMBEDDING, { productId, text })).refreshEmbedding;
    if (result.__typename === "ProductNotFound") {
      showError("err-refresh-product", result.message, ["refresh-product"]);
      return;
    }
    if (result.__typename === "NotAuthorized") {
      showError("err-refresh", `${result.message} Enter the admin token in the Index panel.`);
      return;
    }
    const product = state.productsById.get(result.productId);
    note.textContent = `${product ? product.name : result.productId} embedded in ${fmt.ms(result.embedMs)}.`;
    note.dataset.productId = result.productId;
  } catch (failure) {
    reportErrors(failure, "err-refresh", ["productId", "text"]);
    return;
  } finally {
    setBusy(button, false);
  }
  await rerunSearch();
}

async function resetEverything() {
  hideToast();
  const button = $("reset-all");
  const note = $("index-result");
  clearErrors(["err-index"]);
  $("admin-token").removeAttribute("aria-invalid");
  note.textContent = "";
  setBusy(button, true, "Resetting…");
  try {
    const reset = (await gql(RESET_INDEX)).resetIndex;
    if (reset.__typename === "NotAuthorized") {
      showError("err-index", `${reset.message} Enter the admin token above.`, ["admin-token"]);
      return;
    }
    const userId = currentUser();
    await gql(RESET_USER, { userId });
    note.textContent =
      `Index ${reset.indexName} recreated and seeded with ${reset.seeded} products; session of ${userId} cleared.`;
    $("refresh-result").textContent = "";
    await loadAll();
    await loadSession();
    await rerunSearch();
  } catch (failure) {
    reportErrors(failure, "err-index");
  } finally {
    setBusy(button, false);
  }
}
