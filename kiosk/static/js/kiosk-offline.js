/* Kios Aduan — keeps an online kiosk ready for a network failure.
 *
 * Loaded on every page of the kiosk's server flow (/k/<code>/...), after
 * queue.js. On the start screen, while the network works:
 *   - asks the service worker to keep the kiosk's offline shell
 *     (postMessage {type: "cache-kiosk-shell", url} to its controller);
 *   - refills the kiosk's leased numbers (POST /k/<code>/api/nomor: the
 *     server's unused numbers with their QR codes, nothing personal) into
 *     IndexedDB, so a kiosk offline still gives a valid number.
 * On any screen, when a request cannot reach the server (htmx:sendError), or
 * the server is down behind its gateway (502, 504, or our 503 with
 * Retry-After), the citizen continues on the offline shell, if the worker
 * holds it, in the language of the page (the worker keeps it in each: `?lang=en`).
 * The answers go with them (sessionStorage, below), and the online flow's
 * idempotency key from the review form: if the network failed while "Kirim
 * laporan" was in flight, the server may have stored the report already, and
 * the offline page delivers it under that same key, so it is answered with
 * the stored complaint instead of making a second one (flow.js,
 * backend/aliases.py).
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
  const pageLang = () => (["id", "en"].includes(doc.documentElement.lang) ? doc.documentElement.lang : "id");
  const onReceipt = () => Boolean(doc.querySelector("#page.page--receipt"));

  /* ------------------------------------------------ answers carried offline */

  // The same key in flow.js (which takes the copy) and app.js (which wipes it).
  const CARRY_KEY = `kios-aduan:answers:${code}`;
  // What a step form may hand over as answers; anything else (csrf_token,
  // remove_photo, the photo itself) stays behind. The review form's
  // idempotency_key (not personal) is kept beside them as `key`, with the
  // page's language (the stored report's fingerprint includes it).
  const CARRY_FIELDS = ["category", "kelurahan", "address", "rt", "rw", "description",
    "identity", "name", "phone", "email", "nik", "consent"];
  const PERSONAL = ["name", "phone", "email", "nik"];
  // A server step form is known by the question it asks (its markup has no step name).
  const STEP_BY_FIELD = { category: "category", kelurahan: "location", description: "description", identity: "identity" };

  function wipeCarried() {
    try {
      sessionStorage.removeItem(CARRY_KEY);
    } catch (_err) {
      /* storage switched off: nothing was kept either */
    }
  }

  function readCarried() {
    try {
      const record = JSON.parse(sessionStorage.getItem(CARRY_KEY) || "null");
      if (record && typeof record === "object" && record.answers && Array.isArray(record.done)) return record;
    } catch (_err) {
      /* unreadable: start a new copy */
    }
    return { answers: {}, done: [], photo: false };
  }

  const isStepForm = (form) => form instanceof HTMLFormElement && Boolean(form.closest("#page"))
    && form.classList.contains("step");

  function stepOf(form) {
    if (!isStepForm(form)) return "";
    for (const [name, step] of Object.entries(STEP_BY_FIELD)) if (form.elements.namedItem(name)) return step;
    return "";
  }

  // The online flow's idempotency key, where a form carries one (the review form).
  function keyOf(form) {
    const input = isStepForm(form) ? form.elements.namedItem("idempotency_key") : null;
    const value = input instanceof HTMLInputElement ? input.value : "";
    return value.length > 0 && value.length <= 64 ? value : "";
  }

  /* Copy one step form's answers; `sent`: the citizen pressed its button, so
     the offline shell may move past this screen (if the answers pass there). */
  function capture(form, sent) {
    const step = stepOf(form);
    const key = keyOf(form);
    if (!code || (!step && !key)) return;
    const record = readCarried();
    if (key) {
      record.key = key;
      record.lang = pageLang();
    }
    if (step) copyAnswers(form, step, record, sent);
    try {
      sessionStorage.setItem(CARRY_KEY, JSON.stringify(record));
    } catch (_err) {
      /* storage full or switched off: offline, the citizen types again */
    }
  }

  function copyAnswers(form, step, record, sent) {
    const data = new FormData(form);
    for (const name of CARRY_FIELDS) {
      if (!form.elements.namedItem(name)) continue; // another screen's question
      const value = data.get(name);
      record.answers[name] = name === "consent" ? value !== null : typeof value === "string" ? value : "";
    }
    if (record.answers.identity === "anonymous") {
      // As the server: an anonymous report keeps no identity at all.
      for (const name of PERSONAL) delete record.answers[name];
    }
    if (step === "description") {
      // Only whether there was a photo: the offline shell asks for it again.
      const file = form.querySelector("input[type=file][name=photo]");
      // The draft's photo, on the server: kept unless ticked off (or the kiosk's, from the phone).
      const remove = form.elements.namedItem("remove_photo");
      const kept = (remove instanceof HTMLInputElement && !remove.checked) || Boolean(form.querySelector("[data-photo-on-server]"));
      record.photo = Boolean((file && file.files && file.files.length) || kept);
    }
    if (sent && !record.done.includes(step)) record.done.push(step);
  }

  // Leaving for good: a new session, the receipt, or assisted mode.
  const ENDS_SESSION = /\/(?:selesai|bantuan)(?:\/|$)/;

  doc.addEventListener("htmx:configRequest", (event) => {
    const elt = event.detail && event.detail.elt;
    const form = elt instanceof HTMLFormElement ? elt : elt instanceof Element ? elt.closest("form") : null;
    if (!form) return;
    if (ENDS_SESSION.test(new URL(form.action, location.href).pathname)) wipeCarried();
    else if (String(event.detail.verb).toLowerCase() === "post") capture(form, true);
  });

  // Refused by the server (422): that screen is not answered yet. (A 5xx
  // refused nothing: the server did not get to judge it.)
  doc.addEventListener("htmx:afterRequest", (event) => {
    const { elt, xhr } = event.detail || {};
    const step = stepOf(elt);
    if (!step || !xhr || xhr.status < 400 || xhr.status >= 500) return;
    const record = readCarried();
    if (!record.done.includes(step)) return;
    record.done = record.done.filter((s) => s !== step);
    try {
      sessionStorage.setItem(CARRY_KEY, JSON.stringify(record));
    } catch (_err) {
      /* as above */
    }
  });

  // Plain (not boosted) posts that end a session: "Back to self-service" and the like.
  doc.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && ENDS_SESSION.test(new URL(form.action, location.href).pathname)) wipeCarried();
  }, true);

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
    // A new citizen, or a report already sent: no answers to carry.
    if (onStart() || onReceipt()) wipeCarried();
    if (!onStart()) return;
    keepShell();
    refill();
  }

  // The server cannot be reached: the offline shell, if the worker keeps one.
  doc.addEventListener("htmx:sendError", continueOffline);
  // ... nor the app behind it: a gateway's 502 or 504 (gunicorn down behind
  // nginx), or our own 503 "for a moment" (Retry-After: the database is down).
  // A kiosk taken out of service answers 503 without Retry-After: not this.
  doc.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail && event.detail.xhr;
    if (xhr && serverDown(xhr.status, xhr.getResponseHeader("Retry-After"))) continueOffline(event);
  });

  function serverDown(status, retryAfter) {
    return status === 502 || status === 504 || (status === 503 && Boolean(retryAfter));
  }

  async function continueOffline(event) {
    const elt = event.detail && event.detail.elt;
    // A panel asking in the background (app.js `background`): the citizen's next tap tells.
    if (elt instanceof Element && elt.closest("[data-background]")) return;
    // What this screen holds, sent or not: the form the citizen just tried to send.
    const form = doc.querySelector("#page form.step");
    if (form) capture(form, elt === form || (elt instanceof Element && form.contains(elt)));
    // The display choices made here (larger text, the screen lowered): the same keys in flow.js.
    for (const button of code ? doc.querySelectorAll("[data-display]") : []) {
      if (!doc.documentElement.classList.contains(button.dataset.display)) continue;
      try {
        sessionStorage.setItem(`${CARRY_KEY}:${button.dataset.display}`, "1");
      } catch (_err) {
        /* storage switched off: the usual screen offline */
      }
    }
    if (!shellUrl || !("caches" in window) || !navigator.serviceWorker || !navigator.serviceWorker.controller) return;
    // The citizen's language: the worker answers `?lang=` with that copy (the Indonesian one if it has no other).
    const lang = pageLang();
    try {
      if (await caches.match(shellUrl, { ignoreVary: true })) window.location.assign(lang === "id" ? shellUrl : `${shellUrl}?lang=${lang}`);
    } catch (_err) {
      /* no cache access: app.js's toast says to try again */
    }
  }

  doc.addEventListener("htmx:afterSettle", onStartScreen);
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", onStartScreen, { once: true });
  else onStartScreen();
})();
