/* Kios Aduan — keeps an online kiosk ready for a network failure.
 *
 * Loaded on every page of the kiosk's server flow (/k/<code>/...), after
 * queue.js. On the start screen, while the network works:
 *   - asks the service worker to keep the kiosk's offline shell
 *     (postMessage {type: "cache-kiosk-shell", url} to its controller);
 *   - refills the kiosk's leased numbers (POST /k/<code>/api/nomor: the
 *     server's unused numbers with their QR codes, nothing personal) into
 *     IndexedDB, so a kiosk offline still gives a valid number.
 * On any screen, when a request cannot reach the server (htmx:sendError),
 * the citizen continues on the offline shell, if the worker holds it.
 * queue.js itself sends what the kiosk queued offline as soon as a page opens.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || window.__kiosOffline) return;
  window.__kiosOffline = true;

  const doc = document;
  const shellUrl = script.dataset.shell;
  const numbersUrl = script.dataset.numbers;
  const code = doc.body ? doc.body.dataset.kiosk : "";
  const REFILL_EVERY_MS = 60 * 1000; // the start screen shows again after every citizen

  const onStart = () => Boolean(doc.querySelector("#page.page--start"));

  function keepShell() {
    if (!("serviceWorker" in navigator) || !shellUrl) return;
    const post = () => {
      const worker = navigator.serviceWorker.controller;
      if (worker) worker.postMessage({ type: "cache-kiosk-shell", url: shellUrl });
    };
    if (navigator.serviceWorker.controller) post();
    // The first visit: the worker takes control once installed (clients.claim).
    else navigator.serviceWorker.addEventListener("controllerchange", post, { once: true });
  }

  let lastRefill = 0;

  async function refill() {
    const Q = window.KiosQueue;
    if (!Q || !numbersUrl || !code || Date.now() - lastRefill < REFILL_EVERY_MS) return;
    lastRefill = Date.now();
    try {
      const r = await fetch(numbersUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: "{}",
        credentials: "same-origin",
        cache: "no-store",
      });
      if (r.ok) await Q.leases.store(code, await r.json());
    } catch (_err) {
      lastRefill = 0; // offline: try again on the next start screen
    }
  }

  function onStartScreen() {
    if (!onStart()) return;
    keepShell();
    refill();
  }

  // The server cannot be reached: the offline shell, if the worker keeps one.
  doc.addEventListener("htmx:sendError", async () => {
    if (!shellUrl || !("caches" in window) || !navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    try {
      if (await caches.match(shellUrl, { ignoreVary: true })) window.location.assign(shellUrl);
    } catch (_err) {
      /* no cache access: app.js's toast says to try again */
    }
  });

  doc.addEventListener("htmx:afterSettle", onStartScreen);
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", onStartScreen, { once: true });
  else onStartScreen();
})();
