// After an outage (the store or the server out of reach), the page loads again what it loads at start: what
// failed then (the catalogue, the search form's lists, the scenario picker, the session) stays empty or stale
// otherwise until the page is reloaded. While out, it tries again after a growing pause, which any answer from
// the service (a search, a click) cuts short.

import { onAnswer } from "./api.js";
import { isOutage } from "./errors.js";

const FIRST_PAUSE_MS = 2_000;
const LONGEST_PAUSE_MS = 30_000;

let retrying = false;
let outageSeen = false;
let wake = () => {};

/** Call `reload` (async) whenever the service is back after an outage, until a reload sees no outage. */
export function reloadAfterOutage(reload) {
  onAnswer((errors) => {
    if (errors.some(isOutage)) {
      outageSeen = true;
      if (!retrying) retryUntilBack(reload);
    } else wake();
  });
}

async function retryUntilBack(reload) {
  retrying = true;
  let pause = FIRST_PAUSE_MS;
  do {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, pause);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    wake = () => {};
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    outageSeen = false;
    await reload();
  } while (outageSeen);
  retrying = false;
}
