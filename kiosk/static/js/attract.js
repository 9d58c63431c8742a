/* Kios Aduan — the kiosk's attract screen (kiosk/templates/intake/_attract.html).
 *
 * Kiosks only; the dialog exists only on a kiosk's start screen with no report
 * going on. After data-attract-seconds without a touch it opens and shows
 * one slide at a time, data-slide-seconds each, round and round. Any touch
 * (or key) starts the complaint flow: the start screen's own form
 * ([data-start-form]) is submitted, exactly as "Start reporting" would. Escape
 * closes it. While it shows, the page reloads every data-refresh-seconds (when
 * the server answers), so office hours, today's duty section and the form's
 * token stay fresh on a kiosk left alone for days.
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
    index: 0,
    starting: false,
  };

  function stopTimers() {
    if (state.waitTimer) clearTimeout(state.waitTimer);
    if (state.slideTimer) clearInterval(state.slideTimer);
    if (state.refreshTimer) clearTimeout(state.refreshTimer);
    state.waitTimer = 0;
    state.slideTimer = 0;
    state.refreshTimer = 0;
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
    showSlide(0);
    const seconds = toInt(state.dialog.dataset.attractSeconds, 60);
    state.waitTimer = setTimeout(open, Math.max(1, seconds) * 1000);
  }

  function open() {
    state.waitTimer = 0;
    const dialog = state.dialog;
    if (!dialog || !dialog.isConnected || state.starting) return;
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
    fetch(window.location.href, { method: "HEAD", cache: "no-store", credentials: "same-origin" })
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
      startFlow();
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
