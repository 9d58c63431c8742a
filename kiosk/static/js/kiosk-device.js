/* Kios Aduan — kiosk device heartbeat.
 *
 * Loaded only on kiosk pages (/k/<code>/...). Every `data-interval` seconds
 * (default 60) it tells the server that this kiosk's screen is up, with the
 * printer's state when the page knows it: whatever sets
 * `document.documentElement.dataset.printerStatus` ("ok", "paper out", ...)
 * — the receipt printing code does. No status known: the server keeps the
 * last one it had. The paired device's token travels in its HttpOnly cookie.
 * No inline code (strict CSP).
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.dataset.heartbeat || window.__kiosAduanHeartbeat) return;
  window.__kiosAduanHeartbeat = true; // htmx swaps #page only; one timer per page load

  const url = script.dataset.heartbeat;
  const seconds = Math.max(15, Number.parseInt(script.dataset.interval || "60", 10) || 60);

  function beat() {
    const body = {
      printer: document.documentElement.dataset.printerStatus || "",
      online: navigator.onLine,
      page: location.pathname,
    };
    fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      keepalive: true,
    }).catch(() => {
      /* Offline: the console shows the kiosk as silent; nothing to do here. */
    });
  }

  beat();
  setInterval(beat, seconds * 1000);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") beat();
  });
})();
