/* Kios Aduan — small progressive enhancements over plain server-rendered forms.
 *
 * Plain ES2020, loaded with `defer`, no inline code (strict CSP). htmx swaps
 * #page (outerHTML) on every boosted navigation, so everything here either
 * uses event delegation on `document` or is re-initialised after a swap.
 *
 *  1. Idle reset on kiosks (dialog#idle)
 *  2. Character counters (textarea[data-counter])
 *  3. Photo file name and size check (.upload__input)
 *  4. Focus management after swaps ([data-autofocus], #main)
 *  5. Network failure toast (#net-error)
 *  6. Kiosk hardening (context menu, double-tap and pinch zoom)
 */
(() => {
  "use strict";

  const doc = document;
  const html = doc.documentElement;
  const isKiosk = html.classList.contains("is-kiosk");

  const toInt = (value, fallback) => {
    const n = Number.parseInt(value, 10);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };

  const lang = () => (html.lang || "id").slice(0, 2).toLowerCase();

  /* Short messages only the script shows (the server validates too). */
  const TEXT = {
    id: {
      tooLarge: (name, size, max) => `${name}: terlalu besar (${size}). Maksimal ${max}. Pilih foto lain.`,
    },
    en: {
      tooLarge: (name, size, max) => `${name}: too large (${size}). At most ${max}. Please choose another photo.`,
    },
  };
  const t = (key, ...args) => (TEXT[lang()] || TEXT.id)[key](...args);

  const megabytes = (bytes) => {
    const mb = bytes / (1024 * 1024);
    const digits = mb < 10 && !Number.isInteger(mb) ? 1 : 0;
    return `${mb.toLocaleString(lang() === "en" ? "en" : "id", { maximumFractionDigits: digits })} MB`;
  };

  /* ------------------------------------------------------------------------
   * 1. Idle reset (kiosks only: the dialog exists only on kiosk flow screens)
   * --------------------------------------------------------------------- */
  const idle = {
    dialog: null,
    idleTimer: 0,
    tickTimer: 0,
    remaining: 0,
    resetting: false,
  };

  function stopIdleTimers() {
    if (idle.idleTimer) clearTimeout(idle.idleTimer);
    if (idle.tickTimer) clearInterval(idle.tickTimer);
    idle.idleTimer = 0;
    idle.tickTimer = 0;
  }

  /* (Re)start waiting for inactivity on the current page's dialog, if any. */
  function armIdle() {
    stopIdleTimers();
    const dialog = doc.getElementById("idle");
    idle.dialog = dialog instanceof HTMLDialogElement ? dialog : null;
    if (!idle.dialog || idle.resetting) return;
    if (idle.dialog.open) idle.dialog.close();
    const seconds = toInt(idle.dialog.dataset.idleSeconds, 90);
    idle.idleTimer = setTimeout(warnIdle, Math.max(1, seconds) * 1000);
  }

  function showCountdown() {
    const out = idle.dialog && idle.dialog.querySelector("[data-idle-countdown]");
    if (out) out.textContent = String(idle.remaining);
  }

  function warnIdle() {
    idle.idleTimer = 0;
    const dialog = idle.dialog;
    if (!dialog || !dialog.isConnected) return;
    idle.remaining = toInt(dialog.dataset.warningSeconds, 20);
    showCountdown();
    if (!dialog.open) {
      try {
        dialog.showModal();
      } catch (_err) {
        dialog.setAttribute("open", "");
      }
    }
    const button = dialog.querySelector("[data-idle-continue]");
    if (button) button.focus({ preventScroll: true });
    if (idle.remaining <= 0) {
      resetKiosk();
      return;
    }
    idle.tickTimer = setInterval(() => {
      idle.remaining = Math.max(0, idle.remaining - 1);
      showCountdown();
      if (idle.remaining === 0) resetKiosk();
    }, 1000);
  }

  function resetKiosk() {
    stopIdleTimers();
    const form = idle.dialog && idle.dialog.querySelector("form[data-idle-reset]");
    if (!form || idle.resetting) return;
    idle.resetting = true;
    // A real POST (not htmx): the server wipes the session and redirects
    // to the kiosk's start screen. form.submit() fires no submit event.
    form.submit();
  }

  function continueSession() {
    if (idle.dialog && idle.dialog.open) idle.dialog.close();
    armIdle();
  }

  /* Any sign of a person restarts the wait, unless the warning is showing:
     then only "Yes, continue" (or Escape) keeps the session. */
  function onActivity() {
    if (!idle.dialog || idle.resetting) return;
    if (idle.dialog.open || idle.tickTimer) return;
    armIdle();
  }

  for (const type of ["pointerdown", "keydown", "input", "scroll", "touchstart"]) {
    doc.addEventListener(type, onActivity, { capture: true, passive: true });
  }

  doc.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("[data-idle-continue]");
    if (button) {
      event.preventDefault();
      continueSession();
    }
  });

  // Escape on a modal dialog: the person is there, so treat it as "continue".
  doc.addEventListener(
    "cancel",
    (event) => {
      if (event.target === idle.dialog) {
        event.preventDefault();
        continueSession();
      }
    },
    true,
  );

  // Back from the browser cache (should not happen with no-store, but be safe).
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      idle.resetting = false;
      armIdle();
    }
  });

  /* ------------------------------------------------------------------------
   * 2. Character counters
   * --------------------------------------------------------------------- */
  function updateCounter(area) {
    const out = doc.getElementById(area.dataset.counter || "");
    if (!out) return;
    const max = toInt(out.dataset.max, area.maxLength > 0 ? area.maxLength : 0);
    const n = area.value.length;
    out.textContent = max ? `${n} / ${max}` : String(n);
    out.classList.toggle("is-near", max > 0 && n >= max * 0.9);
  }

  doc.addEventListener("input", (event) => {
    const el = event.target;
    if (el instanceof HTMLTextAreaElement && el.dataset.counter) updateCounter(el);
  });

  /* ------------------------------------------------------------------------
   * 3. Photo upload: show the file's name, refuse files that are too large
   * --------------------------------------------------------------------- */
  doc.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("upload__input")) return;
    const out = input.id ? doc.querySelector(`[data-upload-name="${CSS.escape(input.id)}"]`) : null;
    const file = input.files && input.files[0];
    const max = toInt(input.dataset.maxBytes, 0);
    if (!out) return;
    out.classList.remove("is-error");
    if (!file) {
      out.textContent = "";
      return;
    }
    if (max && file.size > max) {
      input.value = "";
      out.textContent = t("tooLarge", file.name, megabytes(file.size), megabytes(max));
      out.classList.add("is-error");
      return;
    }
    out.textContent = file.name;
  });

  /* ------------------------------------------------------------------------
   * 4. Focus after a swap
   * --------------------------------------------------------------------- */
  function focusAfterSwap(isSwap) {
    const summary = doc.querySelector("#page [data-autofocus]");
    if (summary) {
      summary.focus();
      return;
    }
    if (!isSwap) return;
    const active = doc.activeElement;
    if (!active || active === doc.body || !active.isConnected) {
      const main = doc.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    }
  }

  /* ------------------------------------------------------------------------
   * 5. Network failure
   * --------------------------------------------------------------------- */
  let toastTimer = 0;

  function showNetError() {
    const toast = doc.getElementById("net-error");
    if (toast) {
      toast.hidden = false;
      if (toastTimer) clearTimeout(toastTimer);
      toastTimer = setTimeout(() => {
        toast.hidden = true;
        toastTimer = 0;
      }, 6000);
    }
    // htmx disabled the submit button (hx-disabled-elt); let people try again.
    // Run after htmx has finished its own clean-up of this request.
    setTimeout(reEnableButtons, 0);
    reEnableButtons();
  }

  function reEnableButtons() {
    for (const el of doc.querySelectorAll("#page button[disabled], #page input[type=submit][disabled]")) {
      if (!el.hasAttribute("data-keep-disabled")) el.disabled = false;
    }
    for (const el of doc.querySelectorAll("#page .htmx-request")) el.classList.remove("htmx-request");
  }

  for (const type of ["htmx:sendError", "htmx:responseError", "htmx:timeout"]) {
    doc.addEventListener(type, showNetError);
  }

  doc.addEventListener("htmx:beforeRequest", () => {
    const toast = doc.getElementById("net-error");
    if (toast && !toast.hidden) {
      toast.hidden = true;
      if (toastTimer) clearTimeout(toastTimer);
      toastTimer = 0;
    }
  });

  /* ------------------------------------------------------------------------
   * 6. Kiosk hardening
   * --------------------------------------------------------------------- */
  if (isKiosk) {
    doc.addEventListener("contextmenu", (event) => event.preventDefault());
    doc.addEventListener("dragstart", (event) => event.preventDefault());
    // Safari pinch gestures.
    doc.addEventListener("gesturestart", (event) => event.preventDefault());
    // Pinch on a touchpad arrives as ctrl + wheel.
    doc.addEventListener(
      "wheel",
      (event) => {
        if (event.ctrlKey) event.preventDefault();
      },
      { passive: false },
    );
    // Two fingers: no pinch zoom.
    doc.addEventListener(
      "touchmove",
      (event) => {
        if (event.touches.length > 1) event.preventDefault();
      },
      { passive: false },
    );
    // Double tap: ignore a second tap within 300 ms (also stops double submits),
    // except in text fields where a double tap selects a word.
    let lastTouchEnd = 0;
    doc.addEventListener(
      "touchend",
      (event) => {
        const now = event.timeStamp;
        const target = event.target instanceof Element ? event.target : null;
        const typing = target && target.closest("input:not([type=radio]):not([type=checkbox]), textarea, select");
        if (!typing && now - lastTouchEnd < 300 && event.cancelable) event.preventDefault();
        lastTouchEnd = now;
      },
      { passive: false },
    );
  }

  /* ------------------------------------------------------------------------
   * Initialisation: on first load and after every htmx swap of #page
   * --------------------------------------------------------------------- */
  function init(isSwap) {
    for (const area of doc.querySelectorAll("textarea[data-counter]")) updateCounter(area);
    armIdle();
    focusAfterSwap(isSwap);
  }

  // Every swap here replaces #page (boosted links and forms), so re-initialise.
  doc.addEventListener("htmx:afterSettle", () => init(true));

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", () => init(false), { once: true });
  } else {
    init(false);
  }
})();
