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
 *  7. Receipts: print at kiosks ([data-print]), share on phones ([data-share])
 *  8. Language and display choices: the screen's unsent answers come along ([data-keeps-answers])
 *  9. Kiosks: the on-screen keyboard, loaded when a text field is first touched (div#osk)
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

  // Sizes rounded up to 0.1 MB, so "too large" never reads as the limit itself.
  const megabytes = (bytes) => {
    const mb = Math.ceil((bytes / (1024 * 1024)) * 10) / 10;
    return `${mb.toLocaleString(lang() === "en" ? "en" : "id", { maximumFractionDigits: 1 })} MB`;
  };

  /* ------------------------------------------------------------------------
   * 1. Idle reset (kiosks only: the dialog exists only on kiosk flow screens)
   * --------------------------------------------------------------------- */
  const idle = {
    dialog: null,
    idleTimer: 0,
    tickTimer: 0,
    resetTimer: 0,
    deadline: 0,
    remaining: 0,
    resetting: false,
  };

  function stopIdleTimers() {
    if (idle.idleTimer) clearTimeout(idle.idleTimer);
    if (idle.tickTimer) clearInterval(idle.tickTimer);
    if (idle.resetTimer) clearTimeout(idle.resetTimer);
    idle.idleTimer = 0;
    idle.tickTimer = 0;
    idle.resetTimer = 0;
  }

  /* (Re)start waiting for inactivity on the current page's dialog, if any.
     `fresh` only arms a page that is not armed yet (swap, then settle). */
  function armIdle(fresh = false) {
    const dialog = doc.getElementById("idle");
    if (fresh && dialog && dialog === idle.dialog && (idle.idleTimer || idle.tickTimer)) return;
    stopIdleTimers();
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
    if (dialog.hasAttribute("data-idle-paused")) {
      armIdle(); // the offline shell's start screen: nobody's answers to clear (flow.js)
      return;
    }
    const warning = toInt(dialog.dataset.warningSeconds, 20);
    // Count down against the clock, not by counting ticks: a busy or
    // throttled page (or a test clock jumping ahead) still resets on time.
    idle.deadline = Date.now() + warning * 1000;
    idle.remaining = warning;
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
    if (warning <= 0) {
      resetKiosk();
      return;
    }
    idle.tickTimer = setInterval(tickIdle, 1000);
    idle.resetTimer = setTimeout(resetKiosk, warning * 1000);
  }

  function tickIdle() {
    idle.remaining = Math.max(0, Math.ceil((idle.deadline - Date.now()) / 1000));
    showCountdown();
    if (idle.remaining === 0) resetKiosk();
  }

  /* The copy of the answers kept for the offline shell (kiosk-offline.js,
     flow.js): the next citizen must never find it. */
  function wipeCarried() {
    try {
      for (let i = sessionStorage.length - 1; i >= 0; i -= 1) {
        const key = sessionStorage.key(i);
        if (key && key.startsWith("kios-aduan:answers:")) sessionStorage.removeItem(key);
      }
    } catch (_err) {
      /* storage switched off: nothing was kept either */
    }
  }

  function resetKiosk() {
    stopIdleTimers();
    const form = idle.dialog && idle.dialog.querySelector("form[data-idle-reset]");
    if (!form || idle.resetting) return;
    wipeCarried(); // first: even if the reset's own request fails
    if (form.dataset.idleReset === "local") {
      // The kiosk's offline shell: the answers live only in the page, so
      // flow.js wipes them there (no server to ask while the network is down).
      if (idle.dialog.open) idle.dialog.close();
      doc.dispatchEvent(new CustomEvent("kios:idle-reset"));
      armIdle();
      return;
    }
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
     then only "Yes, continue" (or Escape) keeps the session.
     htmx scrolls the window to the top after each swap; that scroll event
     (dispatched on a later frame) is not a person, so scrolls count only
     once a real input has happened since the last swap. */
  let scrolledBySwap = false;

  function onActivity(event) {
    if (event.type === "scroll") {
      if (scrolledBySwap) return;
    } else {
      scrolledBySwap = false;
    }
    if (!idle.dialog || idle.resetting) return;
    if (idle.dialog.open || idle.tickTimer || idle.resetTimer) return;
    armIdle();
  }

  for (const type of ["pointerdown", "keydown", "input", "scroll", "touchstart", "wheel"]) {
    doc.addEventListener(type, onActivity, { capture: true, passive: true });
  }

  doc.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail && event.detail.target && event.detail.target.id === "page") scrolledBySwap = true;
  });

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
      if (doc.activeElement !== summary) summary.focus();
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

  // A request nobody made (a panel asking the server in the background,
  // [data-background]): its failures are not the citizen's to hear about.
  const background = (event) => {
    const elt = event.detail && event.detail.elt;
    return elt instanceof Element && Boolean(elt.closest("[data-background]"));
  };

  for (const type of ["htmx:sendError", "htmx:responseError", "htmx:timeout"]) {
    doc.addEventListener(type, (event) => {
      if (!background(event)) showNetError();
    });
  }

  doc.addEventListener("htmx:beforeRequest", (event) => {
    if (background(event)) return;
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
    // Double tap: ignore a second tap on the same spot within 300 ms (no zoom,
    // no accidental double submit), except in text fields where it selects.
    let last = { time: -1000, x: 0, y: 0 };
    doc.addEventListener(
      "touchend",
      (event) => {
        const touch = event.changedTouches && event.changedTouches[0];
        if (!touch) return;
        const now = event.timeStamp;
        const near = Math.abs(touch.clientX - last.x) < 40 && Math.abs(touch.clientY - last.y) < 40;
        const target = event.target instanceof Element ? event.target : null;
        const typing = target && target.closest("input:not([type=radio]):not([type=checkbox]), textarea, select");
        if (!typing && near && now - last.time < 300 && event.cancelable) event.preventDefault();
        last = { time: now, x: touch.clientX, y: touch.clientY };
      },
      { passive: false },
    );
  }

  /* ------------------------------------------------------------------------
   * 7. Receipts (kiosk/templates/intake/receipt.html)
   *
   * [data-print="browser"]  window.print(): the page's print stylesheet
   *                         (printing/static/receipt.css) leaves only the
   *                         receipt, at the kiosk's paper width; Chromium with
   *                         --kiosk-printing prints it without a dialog.
   * [data-print="escpos"]   a submit button of #print-form: the server prints.
   * [data-auto-print]       pressed once by the script when the receipt shows.
   * [data-share]            Web Share API where there is one; otherwise the
   *                         number is copied, and [data-share-status] says so
   *                         (texts come translated in data-copied / data-copy-failed).
   * --------------------------------------------------------------------- */
  function receiptLoaded() {
    const waits = [doc.fonts && doc.fonts.ready ? doc.fonts.ready : Promise.resolve()];
    for (const img of doc.querySelectorAll("#page .rcpt img")) {
      if (!img.complete) {
        waits.push(new Promise((resolve) => {
          img.addEventListener("load", resolve, { once: true });
          img.addEventListener("error", resolve, { once: true });
        }));
      }
    }
    return Promise.all(waits);
  }

  function printReceipt() {
    // The QR code and the fonts first, or the paper would lack them.
    receiptLoaded().then(() => window.print());
  }

  function autoPrint() {
    const button = doc.querySelector("#page [data-auto-print]:not([data-auto-printed])");
    if (!button) return;
    button.setAttribute("data-auto-printed", "");
    if (button.dataset.print === "browser") printReceipt();
    else button.click();
  }

  async function copyText(text) {
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        return true;
      }
    } catch (_err) {
      // fall back below
    }
    // Plain-http pages have no clipboard API: a selected, off-screen field.
    const area = doc.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    doc.body.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = doc.execCommand("copy");
    } catch (_err) {
      ok = false;
    }
    area.remove();
    return ok;
  }

  async function shareReceipt(button) {
    const status = doc.querySelector("#page [data-share-status]");
    const say = (text) => {
      if (status) status.textContent = text || "";
    };
    const { shareUrl: url, shareNumber: number, shareTitle: title, shareText: text } = button.dataset;
    if (typeof navigator.share === "function") {
      try {
        await navigator.share({ title, text, url });
        say("");
        return;
      } catch (err) {
        if (err && err.name === "AbortError") return; // the citizen closed the share sheet
        // NotAllowedError and the like: copy instead.
      }
    }
    say((await copyText(number)) ? button.dataset.copied : button.dataset.copyFailed);
  }

  doc.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const print = target.closest("[data-print='browser']");
    if (print) {
      event.preventDefault();
      printReceipt();
      return;
    }
    const share = target.closest("[data-share]");
    if (share) {
      event.preventDefault();
      shareReceipt(share);
    }
  });

  function initReceipt() {
    // Sharing needs the script: the button shows only where it works.
    for (const button of doc.querySelectorAll("#page [data-share][hidden]")) button.hidden = false;
    autoPrint();
  }

  /* ------------------------------------------------------------------------
   * 8. Language and display choices: the screen's unsent answers come along
   *
   * Each switch is a form of its own (main/_language.html,
   * intake/_display_toggle.html), a real POST that reloads the page: what was
   * typed or tapped on the screen but not yet sent (a paragraph typed on a
   * touch keyboard) would be lost. It waits in this tab's sessionStorage
   * across the reload, for this address only, and is put back once. The key
   * has the prefix the idle reset wipes (wipeCarried): the next citizen never
   * finds it. A chosen photo cannot come along (a script cannot set a file input).
   * --------------------------------------------------------------------- */
  const SWITCH_KEY = "kios-aduan:answers:header-switch";
  const NOT_CARRIED = new Set(["csrf_token", "idempotency_key"]);
  const NOT_ANSWERS = new Set(["file", "submit", "button", "reset", "hidden"]); // input types

  const stepForm = () => doc.querySelector("#main form.step");

  function carriedFields(form) {
    const fields = [];
    for (const el of form.elements) {
      if (!el.name || NOT_CARRIED.has(el.name) || el.disabled) continue;
      if (NOT_ANSWERS.has(el.type)) continue;
      if (el.type === "radio" || el.type === "checkbox") fields.push([el.name, el.value, el.checked]);
      else fields.push([el.name, el.value]);
    }
    return fields;
  }

  doc.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      const step = stepForm();
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-keeps-answers") || !step) return;
      try {
        sessionStorage.setItem(SWITCH_KEY, JSON.stringify({ path: location.pathname, fields: carriedFields(step) }));
      } catch (_err) {
        /* storage switched off: the switch still works, the screen starts empty */
      }
    },
    true,
  );

  function restoreAfterSwitch() {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(SWITCH_KEY) || "null");
      sessionStorage.removeItem(SWITCH_KEY);
    } catch (_err) {
      return;
    }
    const step = stepForm();
    if (!saved || !step || saved.path !== location.pathname || !Array.isArray(saved.fields)) return;
    const changed = new Set();
    for (const [name, value, checked] of saved.fields) {
      for (const el of step.elements) {
        if (el.name !== name || el.disabled) continue;
        if (el.type === "radio" || el.type === "checkbox") {
          if (el.value === value && el.checked !== checked) {
            el.checked = checked;
            changed.add(el);
          }
        } else if (!NOT_ANSWERS.has(el.type) && el.value !== value) {
          el.value = value;
          changed.add(el);
        }
      }
    }
    // What shows or hides with an answer (the identity choice) follows it.
    for (const el of changed) el.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* ------------------------------------------------------------------------
   * 9. Kiosks: the on-screen keyboard (keyboard.js, and simple-keyboard that
   * draws it), loaded when a text field is first touched: the start screen,
   * which has none, does not carry its weight. keyboard.js then shows it
   * for that field and every later one.
   * --------------------------------------------------------------------- */
  const osk = isKiosk ? doc.getElementById("osk") : null;
  if (osk) {
    doc.addEventListener("focusin", function loadKeyboard(event) {
      if (!(event.target instanceof Element) || !event.target.matches(osk.dataset.for)) return;
      doc.removeEventListener("focusin", loadKeyboard);
      for (const href of osk.dataset.css.split(" ")) {
        const link = doc.createElement("link");
        link.rel = "stylesheet";
        link.href = href;
        doc.head.append(link);
      }
      for (const src of [osk.dataset.lib, osk.dataset.script]) {
        const script = doc.createElement("script");
        script.src = src;
        script.async = false; // in order: the library first
        doc.head.append(script);
      }
    });
  }

  /* ------------------------------------------------------------------------
   * Initialisation: on first load and after every htmx swap of #page
   * --------------------------------------------------------------------- */
  function init(isSwap) {
    if (!isSwap) restoreAfterSwitch(); // first: the counters below count what it puts back
    for (const area of doc.querySelectorAll("textarea[data-counter]")) updateCounter(area);
    armIdle(true);
    focusAfterSwap(isSwap);
    initReceipt();
  }

  // Every swap here replaces #page (boosted links and forms). The idle timer
  // and focus move as soon as the new page is in (settling waits a tick);
  // everything is checked again once it has settled.
  doc.addEventListener("htmx:afterSwap", () => {
    armIdle(true);
    focusAfterSwap(true);
  });
  doc.addEventListener("htmx:afterSettle", () => init(true));

  if (doc.readyState === "loading") {
    doc.addEventListener("DOMContentLoaded", () => init(false), { once: true });
  } else {
    init(false);
  }
})();
