/* Kios Aduan — officer console: small enhancements, no inline code (strict CSP).
 *
 *  - [data-print]: print the page (the roster has a print stylesheet)
 *  - [data-confirm]: ask before a destructive action
 *  - [data-once]: a submit button is disabled after the first click
 *    (the server also deduplicates by the form's idempotency key)
 *  - the assisted-intake form hides contact fields the officer chose not to fill
 *  - the monitoring dashboard folds each kecamatan's kelurahan rows under it
 *  - the queue page asks every 20 s whether a kiosk's citizen calls an officer
 *    ([data-help-poll]) and reloads when the calls change; it chimes once for
 *    each call it has not shown before
 */
(() => {
  "use strict";

  document.addEventListener("click", (event) => {
    const print = event.target.closest("[data-print]");
    if (print) {
      event.preventDefault();
      window.print();
      return;
    }
    const confirmable = event.target.closest("[data-confirm]");
    if (confirmable && !window.confirm(confirmable.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("submit", (event) => {
    const button = event.target.querySelector("[data-once]");
    if (!button) return;
    if (button.dataset.sent) {
      event.preventDefault();
      return;
    }
    button.dataset.sent = "1";
    setTimeout(() => button.setAttribute("aria-disabled", "true"), 0);
  });

  /* Assisted intake: show the contact fields only when the citizen gives some,
     and the citizen's fields only when the report is not anonymous. */
  function syncIntake() {
    const form = document.querySelector(".intake-form");
    if (!form) return;
    const identity = form.querySelector("input[name=identity]:checked");
    const contact = form.querySelector("input[name=contact]:checked");
    const anonymous = identity && identity.value === "anonymous";
    const citizen = form.querySelector(".citizen-fields");
    const given = form.querySelector(".contact-given");
    if (citizen) citizen.hidden = anonymous;
    if (given) given.hidden = !contact || contact.value !== "given";
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches(".intake-form input[type=radio]")) syncIntake();
  });
  document.addEventListener("DOMContentLoaded", syncIntake);

  /* The monitoring dashboard's office table: each kecamatan's kelurahan rows
     fold under its row, so the city-wide table fits on a screen. The buttons
     come with the script; without it every row shows, and print shows all. */
  function fold(button, open) {
    button.setAttribute("aria-expanded", String(open));
    for (const id of button.getAttribute("aria-controls").split(" ")) {
      const row = document.getElementById(id);
      if (row) row.hidden = !open;
    }
  }

  function syncFoldAll() {
    const all = document.querySelector("[data-fold-all]");
    if (all) all.setAttribute("aria-expanded", String(!document.querySelector(".mon-fold[aria-expanded=false]")));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const buttons = document.querySelectorAll(".mon-offices .mon-fold");
    if (!buttons.length) return;
    for (const button of buttons) {
      fold(button, false);
      button.hidden = false;
    }
    document.querySelector(".mon-offices").classList.add("is-folding");
    const all = document.querySelector("[data-fold-all]");
    if (all) all.hidden = false;
    syncFoldAll();
  });

  document.addEventListener("click", (event) => {
    const button = event.target.closest(".mon-fold");
    const all = event.target.closest("[data-fold-all]");
    if (button) {
      fold(button, button.getAttribute("aria-expanded") !== "true");
    } else if (all) {
      const open = all.getAttribute("aria-expanded") !== "true";
      for (const each of document.querySelectorAll(".mon-offices .mon-fold")) fold(each, open);
    } else {
      return;
    }
    syncFoldAll();
  });

  /* A citizen at a kiosk calls an officer: the desk's queue page, often left
     open, shows it within 20 s. Not while the officer is typing in a field
     (the reload would lose it): then at the next round. */
  const poll = document.querySelector("[data-help-poll]");
  if (poll) {
    const shown = poll.dataset.helpCalls;
    announceNewCalls(shown ? shown.split(",") : []);
    const typing = () => {
      const el = document.activeElement;
      return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
    };
    const ask = async () => {
      try {
        const response = await fetch(poll.dataset.helpPoll, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) return;
        const { calls } = await response.json();
        if (Array.isArray(calls) && calls.join(",") !== shown && !typing()) window.location.reload();
      } catch (_err) {
        /* offline for a moment: the next round */
      }
    };
    window.setInterval(ask, 20000);
  }

  /* A desk officer is often turned to a citizen, not to the screen: a short
     two-tone chime (drawn by Web Audio, no sound file) for each call this tab
     has not chimed for yet. The calls already heard are kept in the tab's
     sessionStorage, so the page's own reloads do not ring again. Without a
     tap on the console since it opened, the browser may keep it silent; the
     call shows on the page and in the tab's title all the same. */
  function announceNewCalls(calls) {
    const key = "kios-aduan:help-heard";
    let heard = [];
    try {
      heard = (sessionStorage.getItem(key) || "").split(",");
      sessionStorage.setItem(key, calls.join(","));
    } catch (_err) {
      /* storage off: chime for every call shown */
    }
    if (calls.some((id) => !heard.includes(id))) chime();
  }

  function chime() {
    const Context = window.AudioContext;
    if (!Context) return;
    try {
      const audio = new Context();
      const t = audio.currentTime + 0.05;
      [[880, 0], [660, 0.3]].forEach(([hz, after]) => {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = hz;
        gain.gain.setValueAtTime(0.0001, t + after);
        gain.gain.exponentialRampToValueAtTime(0.4, t + after + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + after + 0.28);
        tone.connect(gain).connect(audio.destination);
        tone.start(t + after);
        tone.stop(t + after + 0.3);
      });
      window.setTimeout(() => audio.close(), 1500);
    } catch (_err) {
      /* no sound device: the page shows the call */
    }
  }
})();
