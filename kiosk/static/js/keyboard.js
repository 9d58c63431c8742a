/* Kios Aduan — the kiosk's on-screen keyboard.
 *
 * A kiosk is a touch screen without a keyboard, and the browser on its
 * Linux PC shows none: every text field of a kiosk's screens (the address,
 * the description, name, phone, NIK; an officer's PIN) brings up this one, a
 * panel at the bottom of the screen (div#osk, base.html). app.js loads this
 * file, after the vendored simple-keyboard that draws the keys, when a text
 * field is first touched; the service worker keeps both, so the offline page
 * types too.
 *
 * simple-keyboard only draws the keys and reports which one was pressed:
 * the text goes into the field here, at its caret, within its maxlength,
 * with the `input` event a typed character gives (the description's counter
 * follows). The keys never take the focus from the field (their mousedown is
 * cancelled). While the keyboard shows, the page gets room under it and the
 * sticky action bar ("Lanjut") rides above it (css/keyboard.css).
 */
(() => {
  "use strict";

  const doc = document;
  const html = doc.documentElement;
  const box = doc.getElementById("osk");
  const lib = window.SimpleKeyboard;
  if (!box || !lib || box.dataset.ready) return;
  box.dataset.ready = "1";

  const LETTERS = [
    "1 2 3 4 5 6 7 8 9 0 {bksp}",
    "q w e r t y u i o p",
    "a s d f g h j k l '",
    "{shift} z x c v b n m , . -",
    "{close} @ {space} / ?",
  ];
  const LAYOUTS = {
    default: LETTERS,
    shift: LETTERS.map((row) => row.replace(/(^| )([a-z])(?= |$)/g, (_m, sp, ch) => sp + ch.toUpperCase())),
    numeric: ["1 2 3", "4 5 6", "7 8 9", "{close} 0 {bksp}"],
    tel: ["1 2 3", "4 5 6", "7 8 9", "+ 0 -", "{close} {bksp}"],
  };
  const FIELDS = box.dataset.for;
  // The special keys' icons (base.html renders them into #osk: the server's own SVGs).
  const icon = (key) => {
    const template = box.querySelector(`template[data-osk-icon="${key}"]`);
    return template ? template.innerHTML.trim() : "";
  };

  const keyboard = new lib.default(box, {
    layout: LAYOUTS,
    layoutName: "default",
    display: {
      "{bksp}": icon("{bksp}"),
      "{shift}": icon("{shift}"),
      "{space}": box.dataset.space,
      "{close}": `${icon("{close}")}${box.dataset.close}`,
    },
    buttonAttributes: [
      { attribute: "aria-label", value: box.dataset.backspace, buttons: "{bksp}" },
      { attribute: "aria-label", value: box.dataset.shift, buttons: "{shift}" },
      { attribute: "aria-label", value: box.dataset.closeLabel, buttons: "{close}" },
      { attribute: "aria-label", value: box.dataset.space, buttons: "{space}" },
    ],
    theme: "hg-theme-default osk__keys",
    useButtonTag: true,
    disableCaretPositioning: true,
    preventMouseDownDefault: true,
    onKeyPress: press,
  });

  let field = null;
  let shiftOnce = false; // capitals for the next letter only (as a phone's keyboard)

  // The keys never take the focus from the field being typed in.
  for (const type of ["mousedown", "pointerdown"]) box.addEventListener(type, (event) => event.preventDefault());

  function layoutFor(el) {
    const mode = el.getAttribute("inputmode") || "";
    if (mode === "numeric" || mode === "decimal") return "numeric";
    if (mode === "tel" || el.type === "tel") return "tel";
    return "default";
  }

  // Capitals where a sentence starts, as phones do: an empty field, or after ". ".
  const autoCapital = (el) =>
    el.type !== "email" && el.getAttribute("autocapitalize") !== "none" && /(^|[.!?]\s+)$/.test(el.value.slice(0, caret(el).start));
  const allCapitals = (el) => el.getAttribute("autocapitalize") === "characters";

  function caret(el) {
    // Email fields have no selection API: typing goes at the end.
    let start = null;
    let end = null;
    try {
      start = el.selectionStart;
      end = el.selectionEnd;
    } catch (_err) {
      /* no selection on this input type */
    }
    if (start === null || end === null) return { start: el.value.length, end: el.value.length, api: false };
    return { start, end, api: true };
  }

  // auto: where the caret is now decides the capitals (a new field, an edit,
  // a tap in the text); otherwise the shift key's own choice stands.
  function setLayout(auto) {
    if (!field) return;
    let name = layoutFor(field);
    if (name === "default") {
      if (auto) shiftOnce = autoCapital(field);
      name = shiftOnce || allCapitals(field) ? "shift" : "default";
    }
    keyboard.setOptions({ layoutName: name });
    box.dataset.layout = name;
  }

  function edit(text, back) {
    const el = field;
    const { start, end, api } = caret(el);
    let from = start;
    if (back && start === end) from = Math.max(0, start - 1);
    const max = el.maxLength > 0 ? el.maxLength : Infinity;
    if (!back && el.value.length - (end - from) + text.length > max) return; // full, as a typed key would be
    if (api) el.setRangeText(text, from, end, "end");
    else el.value = back ? el.value.slice(0, -1) : el.value + text;
    el.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: back ? "deleteContentBackward" : "insertText", data: back ? null : text }));
  }

  function press(button) {
    if (!field || !field.isConnected) {
      hide();
      return;
    }
    if (button === "{close}") {
      field.blur();
      hide();
    } else if (button === "{shift}") {
      shiftOnce = !shiftOnce;
      setLayout(false);
    } else {
      edit(button === "{bksp}" ? "" : button === "{space}" ? " " : button, button === "{bksp}");
      setLayout(true);
    }
  }

  function show(el) {
    field = el;
    setLayout(true);
    box.hidden = false;
    html.classList.add("osk-open");
    const height = box.getBoundingClientRect().height;
    html.style.setProperty("--osk-height", `${Math.ceil(height)}px`);
    // The field stays in sight, above the keyboard and the action bar on it.
    const rect = el.getBoundingClientRect();
    const room = window.innerHeight - height;
    if (rect.bottom > room - 96 || rect.top < 0) window.scrollBy({ top: rect.top - Math.max(16, (room - rect.height) / 3), behavior: "instant" });
  }

  function hide() {
    field = null;
    box.hidden = true;
    html.classList.remove("osk-open");
    html.style.removeProperty("--osk-height");
  }

  const typing = (el) => el instanceof HTMLElement && el.matches(FIELDS) && !el.readOnly && !el.disabled && Boolean(el.closest("#page"));

  doc.addEventListener("focusin", (event) => {
    if (typing(event.target)) show(event.target);
  });
  doc.addEventListener("focusout", (event) => {
    // Another field takes over at once (focusin); anything else closes it.
    if (event.target === field && !typing(event.relatedTarget)) setTimeout(() => {
      if (field && doc.activeElement !== field) hide();
    }, 0);
  });
  // A typed character, a tap in the field: where the caret is may change the capitals.
  doc.addEventListener("selectionchange", () => {
    if (field && doc.activeElement === field) setLayout(true);
  });
  // The screen changes (htmx swaps #page): its field goes with it. (Not a panel's own swap.)
  doc.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail && event.detail.target && event.detail.target.id === "page") hide();
  });

  if (typing(doc.activeElement)) show(doc.activeElement);
})();
