// The demo page for the recommendation service, wired from its parts: every request goes through POST
// /graphql (api.js); the search form and results, the session, the catalogue and its admin each in a module.

import { initCatalogAdmin } from "./catalog-admin.js";
import { loadAll, renderCatalogue } from "./catalogue.js";
import { $ } from "./dom.js";
import { clearErrorsOnInput } from "./errors.js";
import { initRelated } from "./related.js";
import { initScenarioForm } from "./scenario-form.js";
import { initPicker, loadScenarios, onScenarioChange } from "./scenario-picker.js";
import { initStats } from "./scenario-stats.js";
import { reloadAfterOutage } from "./recovery.js";
import { onSimilar } from "./results.js";
import { initSearch, rerunSearch, showSimilar } from "./search.js";
import { loadSession, onSessionChange, renderRecent, renderSession, resetSession } from "./session.js";
import { currentUser, state } from "./state.js";

function init() {
  // A recorded event or a reset moves the ranking: show it by re-running what the results panel shows.
  onSessionChange(rerunSearch);
  onSimilar(showSimilar);
  initSearch();
  initCatalogAdmin();
  initRelated();
  initScenarioForm();
  initStats();
  onScenarioChange(rerunSearch);
  $("user-id").addEventListener("change", () => {
    loadSession();
    rerunSearch();
  });
  $("reset-session").addEventListener("click", resetSession);
  $("catalogue-filter").addEventListener("change", renderCatalogue);
  clearErrorsOnInput();
  renderRecent([]);
  initPicker();
  reloadAfterOutage(loadEverything);
  loadEverything().then(() => {
    document.body.dataset.ready = "true";
  });
}

/** What the page shows from the server before any search: at start, and again after an outage. */
async function loadEverything() {
  await Promise.all([loadAll(), loadSession(), loadScenarios()]);
  // Again once both are in: the "last clicked" line names the product once the catalogue is known.
  if (state.features && state.features.userId === currentUser()) renderSession(state.features);
}

init();
