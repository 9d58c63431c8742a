/* Kios Aduan — the kiosk's attract screen (kiosk/templates/intake/_attract.html).
 *
 * Kiosks only; the dialog exists only on a kiosk's start screen with no report
 * going on. After data-attract-seconds without a touch it opens and shows
 * one slide at a time, data-slide-seconds each, round and round. Any touch
 * (or key) starts the complaint flow: the start screen's own form
 * ([data-start-form]) is submitted, exactly as "Start reporting" would; a
 * touch on "Check a complaint" ([data-attract-track]) opens the kiosk's
 * tracking instead. Escape closes it. While it shows, the page reloads every data-refresh-seconds (when
 * the server answers), so office hours, today's duty section and the form's
 * token stay fresh on a kiosk left alone for days.
 *
 * A citizen who chose English or larger text on the start screen and walked
 * away leaves that choice in the kiosk's session: before the attract screen
 * shows, the kiosk forgets it, through the same reset as "Finish"
 * (data-reset, a real POST), when the server answers; the wait then starts
 * again on the start screen as the next citizen should find it.
 *
 * Only the first slide comes with the start page. The others (channels with
 * their QR codes, hours, duty: most of the page's bytes) are fetched from
 * data-slides once the kiosk has been left alone for half the wait, so a
 * kiosk in use never fetches them and the start page loads light. They are
 * kept here for the start screens that follow (htmx swaps) and fetched again
 * after data-refresh-seconds. If they cannot be fetched (offline), the attract
 * screen still opens, with its first slide.
 *
 * Plain ES2020, loaded with `defer`, no inline code (strict CSP). htmx swaps
 * #page on every navigation: the dialog is looked up again after each swap.
 * The idle reset of the flow's other screens is in app.js, section 1.
 */
(() => {
  "use strict";

  const doc = document;

  const toInt = (value, fallback) => {
    const n = Number.parseInt(value, 10);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };

  const state = {
    dialog: null,
    waitTimer: 0,
    slideTimer: 0,
    refreshTimer: 0,
    fetchTimer: 0,
    index: 0,
    starting: false,
    forgetting: false,
  };

  // The slides after the first, as fetched: {url, html, at}; one fetch at a time.
  let more = null;
  let fetching = null;

  function stopTimers() {
    if (state.waitTimer) clearTimeout(state.waitTimer);
    if (state.slideTimer) clearInterval(state.slideTimer);
    if (state.refreshTimer) clearTimeout(state.refreshTimer);
    if (state.fetchTimer) clearTimeout(state.fetchTimer);
    state.waitTimer = 0;
    state.slideTimer = 0;
    state.refreshTimer = 0;
    state.fetchTimer = 0;
  }

  /* Put the fetched slides into the dialog, after its first slide; a fresher
     fetch replaces them, but not while they show (the next wait takes it). */
  function insertMore(dialog) {
    const box = dialog && dialog.querySelector("[data-attract-slides]");
    if (!box || !more || more.url !== dialog.dataset.slides) return;
    if (dialog.dataset.moreAt === String(more.at) || (dialog.open && dialog.dataset.moreAt)) return;
    for (const old of box.querySelectorAll("[data-attract-more]")) old.remove();
    const template = doc.createElement("template");
    template.innerHTML = more.html; // our own server's markup (same origin, no scripts run)
    for (const slide of template.content.querySelectorAll("[data-attract-slide]")) {
      slide.hidden = true;
      slide.dataset.attractMore = "";
      box.append(slide);
    }
    dialog.dataset.moreAt = String(more.at);
  }

  function stale(dialog) {
    const maxAge = toInt(dialog.dataset.refreshSeconds, 900) * 1000;
    return !more || more.url !== dialog.dataset.slides || Date.now() - more.at > maxAge;
  }

  /* Fetch the slides after the first; on failure (offline) the attract
     screen keeps what it has, and the next wait tries again. */
  function fetchMore(dialog) {
    const url = dialog.dataset.slides;
    if (!url || fetching) return fetching;
    fetching = fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then((response) => (response.ok ? response.text() : Promise.reject(new Error(String(response.status)))))
      .then((html) => {
        if (html.includes("data-attract-slide")) more = { url, html, at: Date.now() };
      })
      .catch(() => {})
      .finally(() => {
        fetching = null;
        if (state.dialog && state.dialog.isConnected) insertMore(state.dialog);
      });
    return fetching;
  }

  function slides() {
    return state.dialog ? Array.from(state.dialog.querySelectorAll("[data-attract-slide]")) : [];
  }

  function showSlide(index) {
    const all = slides();
    if (!all.length) return;
    state.index = ((index % all.length) + all.length) % all.length;
    all.forEach((slide, i) => {
      slide.hidden = i !== state.index;
    });
    state.dialog.dataset.slide = String(state.index);
  }

  function isOpen() {
    return Boolean(state.dialog && state.dialog.open);
  }

  /* Wait for inactivity on the current page's attract dialog, if there is one. */
  function arm() {
    stopTimers();
    const dialog = doc.getElementById("attract");
    state.dialog = dialog instanceof HTMLDialogElement ? dialog : null;
    if (!state.dialog || state.starting) return;
    if (state.dialog.open) state.dialog.close();
    insertMore(state.dialog);
    showSlide(0);
    const seconds = Math.max(1, toInt(state.dialog.dataset.attractSeconds, 60));
    state.waitTimer = setTimeout(open, seconds * 1000);
    const found = state.dialog;
    if (stale(found)) state.fetchTimer = setTimeout(() => fetchMore(found), (seconds * 1000) / 2);
  }

  // Whether the server answers this page now (a kiosk offline keeps its screen).
  const serverAnswers = () => fetch(window.location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" });

  // What the last citizen chose on this screen: not Indonesian, or a display choice (larger text...).
  function leftAChoice() {
    const html = doc.documentElement;
    const displayed = Array.from(doc.querySelectorAll("[data-display]"), (b) => b.dataset.display);
    return html.lang !== "id" || displayed.some((choice) => html.classList.contains(choice));
  }

  /* The server's reset (the kiosk's /selesai, which needs no token), only
     when the server answers: offline, a real POST would end on the
     browser's error page, so the attract screen opens as it is. */
  function forget(dialog) {
    state.forgetting = true;
    serverAnswers()
      .then((response) => {
        if (!response.ok || !dialog.isConnected || state.starting) throw new Error(String(response.status));
        const form = doc.createElement("form");
        form.method = "post";
        form.action = dialog.dataset.reset;
        doc.body.append(form);
        form.submit();
      })
      .catch(() => {
        state.forgetting = false;
        state.dialog = dialog;
        open(true);
      });
  }

  function open(forgotten = false) {
    state.waitTimer = 0;
    const dialog = state.dialog;
    if (!dialog || !dialog.isConnected || state.starting || state.forgetting) return;
    if (!forgotten && dialog.dataset.reset && leftAChoice()) {
      forget(dialog);
      return;
    }
    showSlide(0);
    if (!dialog.open) {
      try {
        dialog.showModal();
      } catch (_err) {
        dialog.setAttribute("open", "");
      }
    }
    const start = dialog.querySelector("[data-attract-start]");
    if (start) start.focus({ preventScroll: true });
    if (stale(dialog)) fetchMore(dialog); // not fetched yet: the slides join the round when they come
    const every = Math.max(2, toInt(dialog.dataset.slideSeconds, 8));
    state.slideTimer = setInterval(() => showSlide(state.index + 1), every * 1000);
    scheduleRefresh();
  }

  function scheduleRefresh() {
    const dialog = state.dialog;
    const seconds = dialog ? toInt(dialog.dataset.refreshSeconds, 900) : 0;
    if (seconds > 0) state.refreshTimer = setTimeout(refresh, seconds * 1000);
  }

  /* Reload only when the server answers: a kiosk offline keeps its screen. */
  function refresh() {
    state.refreshTimer = 0;
    if (!isOpen()) return;
    serverAnswers()
      .then((response) => {
        if (response.ok && isOpen()) window.location.reload();
        else scheduleRefresh();
      })
      .catch(scheduleRefresh);
  }

  function startFlow() {
    if (state.starting) return;
    const form = doc.querySelector("#page form[data-start-form]");
    if (!form) return;
    state.starting = true;
    stopTimers();
    // htmx boosts the form like a tap on "Start reporting"; the new screen
    // replaces #page, and the dialog with it.
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  /* "Check a complaint" on the attract screen: the kiosk's tracking, not a new report. */
  function openTracking(href) {
    state.starting = true;
    stopTimers();
    window.location.assign(href);
  }

  function closeAndWait() {
    if (state.dialog && state.dialog.open) state.dialog.close();
    arm();
  }

  /* A touch, a click or a key: on the attract screen it starts the flow;
     on the start screen it starts the wait again. */
  function onActivity(event) {
    if (!state.dialog || state.starting) return;
    if (isOpen()) {
      if (event.type === "keydown" && event.key === "Escape") return; // handled by "cancel"
      if (event.type === "keydown" && (event.key === "Tab" || event.key === "Shift")) return;
      if (event.cancelable) event.preventDefault();
      event.stopPropagation();
      const track = event.target instanceof Element && event.target.closest("[data-attract-track]");
      if (track) openTracking(track.href);
      else startFlow();
      return;
    }
    arm();
  }

  for (const type of ["pointerdown", "keydown", "touchstart", "wheel", "input"]) {
    doc.addEventListener(type, onActivity, { capture: true, passive: false });
  }

  // The pointerdown started the flow; keep the click that follows from
  // reaching anything else.
  doc.addEventListener(
    "click",
    (event) => {
      if (isOpen() || state.starting) {
        const target = event.target instanceof Element ? event.target : null;
        if (target && target.closest("#attract")) event.preventDefault();
      }
    },
    true,
  );

  doc.addEventListener(
    "cancel",
    (event) => {
      if (event.target === state.dialog) {
        event.preventDefault();
        closeAndWait();
      }
    },
    true,
  );

  // The start form could not be sent (network): back to the start screen.
  for (const type of ["htmx:sendError", "htmx:responseError", "htmx:timeout"]) {
    doc.addEventListener(type, () => {
      if (!state.starting) return;
      state.starting = false;
      closeAndWait();
    });
  }

  doc.addEventListener("htmx:afterSettle", () => {
    state.starting = false;
    arm();
  });

  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      state.starting = false;
      arm();
    }
  });

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", arm, { once: true });
  } else {
    arm();
  }
})();
