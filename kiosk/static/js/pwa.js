/* Kios Aduan — registers the service worker and offers its updates.
 *
 * A new version (a deploy) installs in the background and waits. On a phone
 * a toast (#pwa-update, in base.html) offers to reload: the tap tells the
 * waiting worker to take over, and the page reloads once when it has. On a
 * kiosk nobody is asked: the update is applied when the kiosk shows its
 * start screen, where no citizen is in the middle of a complaint.
 *
 * Every page also writes the language it is shown in where the worker reads
 * it: offline, a page opens in the copy of that language (kiosk/sw/README.md).
 */
(() => {
  "use strict";

  if (!("serviceWorker" in navigator)) return;

  const doc = document;
  const script = doc.currentScript;
  const workerUrl = (script && script.dataset.worker) || "/sw.js";
  const isKiosk = doc.documentElement.classList.contains("is-kiosk");
  const CHECK_EVERY_MS = 30 * 60 * 1000;

  let registration = null;
  let lastCheck = Date.now();
  let reloadOnChange = false;

  // Only a change we asked for reloads: the first install also changes the
  // controller (clients.claim), and that must not reload a page in use.
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (!reloadOnChange) return;
    reloadOnChange = false;
    window.location.reload();
  });

  const onStartScreen = () => Boolean(doc.querySelector("#page.page--start"));

  function activate(worker) {
    reloadOnChange = true;
    worker.postMessage({ type: "skip-waiting" });
  }

  function toast() {
    return doc.getElementById("pwa-update");
  }

  function offer(worker) {
    // An update, not the first install (nothing to reload then).
    if (!worker || !navigator.serviceWorker.controller) return;
    if (isKiosk) {
      if (onStartScreen()) activate(worker);
      return;
    }
    const el = toast();
    if (!el || !el.hidden) return;
    el.hidden = false;
    el.querySelector("button").addEventListener(
      "click",
      (event) => {
        event.currentTarget.disabled = true;
        // The waiting worker may have been replaced by a newer one meanwhile.
        const current = (registration && registration.waiting) || worker;
        if (current.state === "redundant") window.location.reload();
        else activate(current);
      },
      { once: true },
    );
  }

  function watch(reg) {
    if (reg.waiting) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const incoming = reg.installing;
      if (!incoming) return;
      incoming.addEventListener("statechange", () => {
        if (incoming.state === "installed") offer(incoming);
      });
    });
  }

  // A kiosk back on its start screen (after a receipt or the idle reset)
  // applies an update that arrived during the last complaint.
  doc.addEventListener("htmx:afterSettle", () => {
    if (isKiosk && registration && registration.waiting && onStartScreen()) offer(registration.waiting);
  });

  // Apps left open for days (kiosks, a phone's tab) look for a new version now and then.
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState !== "visible" || !registration) return;
    if (Date.now() - lastCheck < CHECK_EVERY_MS) return;
    lastCheck = Date.now();
    registration.update().catch(() => {});
  });

  /* The language of this page, the one this device shows pages in: a cache
     entry (DEVICE_CACHE and LANG_KEY in sw.js), outside the worker's versioned
     caches, which an update deletes. Written on every page, so a kiosk's
     reset to Indonesian (its start page) is written as well. */
  const lang = doc.documentElement.lang;
  if ("caches" in window && /^[a-z]{2}$/.test(lang)) {
    caches
      .open("kios-aduan:device")
      .then((cache) => cache.put("/.kios-aduan/lang", new Response(lang, { headers: { "Content-Type": "text/plain" } })))
      .catch(() => {}); // no cache storage: offline pages open in Indonesian
  }

  /* Offline, the language form of the kept pages (/kanal, /luring: a POST that
     cannot reach the server) opens this address in the other language
     instead, which the worker answers with the kept copy in it. Not on a
     kiosk: a citizen's answers there live in the page until the reset. */
  doc.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    if (isKiosk || navigator.onLine || !(form instanceof HTMLFormElement) || !form.classList.contains("lang")) return;
    if (!button || button.name !== "lang") return;
    event.preventDefault();
    const url = new URL(window.location.href);
    url.searchParams.set("lang", button.value);
    window.location.assign(url.href);
  });

  const ready = navigator.serviceWorker
    .register(workerUrl, { scope: "/", updateViaCache: "none" })
    .then((reg) => {
      registration = reg;
      watch(reg);
      return reg;
    })
    .catch((err) => {
      // No worker (private mode, an old browser): the app works online as before.
      console.warn("Service worker not registered:", err);
      return null;
    });

  window.KiosPwa = { ready };
})();
