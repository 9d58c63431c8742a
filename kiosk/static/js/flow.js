/* Kios Aduan — the app shell's complaint flow, and "Laporan saya".
 *
 * The shell page (kiosk/templates/intake/shell.html) holds every screen; this
 * shows one at a time, checks each answer as the server does (the rules in
 * answers.js, checked against the server's by a test; the messages come from
 * the page, #shell-data, so they stay in the catalogue) and sends the report
 * through the device queue (queue.js).
 *
 * Phone (/lapor/): the draft is kept on the phone as the citizen types
 * (IndexedDB, photo included): a reload or a crash brings it back. The
 * idempotency key is made when the form is opened. Sending queues the report
 * and flushes at once: delivered -> the receipt page; no network -> "saved on
 * this phone", and the number as soon as the queue delivers it; refused (4xx)
 * -> the answers to change, on the review screen.
 *
 * Kiosk (/k/<code>/luring/, while its network is down): the answers live in
 * this page's memory only (wiped by "Finish" and the idle reset); sending
 * takes the next leased number, shows and prints the receipt (the receipt
 * partial of printing/, rendered with [[placeholders]]) and leaves the
 * report in the queue until the network is back. A citizen cut off half-way
 * through the online flow carries on here: kiosk-offline.js copied the
 * answers into this tab's sessionStorage; they are taken into this page's
 * memory (the copy removed at once), checked as typed ones, and the shell
 * opens at the first screen not answered yet. A photo is not carried.
 * The copy also holds the online flow's idempotency key when the citizen had
 * reached the review: the network may have failed while "Kirim laporan" was
 * in flight, after the server stored the report (number N). Sent unchanged
 * (same answers, no photo either side), the report is queued under that key,
 * with the answers as the server keeps them and the online page's language,
 * so the server answers it as a replay of N and links the printed leased
 * number to N (backend/aliases.py) instead of storing it twice. Changed
 * answers or a photo get a new key (the same key with other answers would be
 * refused); so does every later report (the idle reset, "new report").
 *
 * "Laporan saya" (/laporan-saya): the phone's sent reports, from IndexedDB.
 *
 * Plain ES2020, no inline code (strict CSP). Loaded with `defer` after queue.js
 * and answers.js.
 */
(() => {
  "use strict";

  const doc = document;
  const dataEl = doc.getElementById("shell-data");
  if (!dataEl || window.__kiosFlow) return;
  window.__kiosFlow = true;

  const D = JSON.parse(dataEl.textContent);
  const Q = window.KiosQueue || null;
  const A = window.KiosAnswers; // answers.js: the server's answer rules
  const fmt = A.fmt;
  const clean = A.clean;
  const qs = (sel, root = doc) => root.querySelector(sel);
  const qsa = (sel, root = doc) => Array.from(root.querySelectorAll(sel));

  if (D.kind === "mine") {
    initMine();
    return;
  }

  /* ======================================================================
   * The flow
   * =================================================================== */
  const isKiosk = D.kind === "kiosk";
  const M = D.messages;
  const L = D.limits;
  const STEPS = ["category", "location", "description", "identity", "review"];
  const screens = {};
  for (const el of qsa("#main [data-step]")) screens[el.dataset.step] = el;
  const forms = {};
  for (const name of STEPS) forms[name] = screens[name];
  const titleSuffix = doc.title.includes(" · ") ? doc.title.slice(doc.title.indexOf(" · ")) : "";
  const presetOffice = isKiosk ? null : D.office || new URLSearchParams(location.search).get("kantor") || null;

  const fresh = () => ({
    key: null,
    office: presetOffice,
    answers: {},
    photo: null,
    photoName: "",
    step: "start",
    queued: false,
    fromReview: false,
    conflict: false,
    carried: null, // {key, lang, answers}: the online flow's report, see restoreCarried
  });
  let state = fresh();
  let photoUrl = "";

  /* ---------------------------------------------------------- answers <-> form */

  const TEXT_FIELDS = ["address", "rt", "rw", "description", "name", "phone", "email", "nik"];

  function field(name) {
    return qs(`#main [data-step] [name="${name}"]`);
  }

  function readForms() {
    const a = {};
    const checked = (name) => qs(`#main [data-step] input[name="${name}"]:checked`);
    a.category = checked("category") ? checked("category").value : "";
    a.identity = checked("identity") ? checked("identity").value : "";
    a.kelurahan = field("kelurahan") ? field("kelurahan").value : "";
    for (const name of TEXT_FIELDS) a[name] = field(name) ? field(name).value : "";
    a.consent = Boolean(field("consent") && field("consent").checked);
    state.answers = a;
    return a;
  }

  function fillForms(a) {
    for (const name of ["category", "identity"]) {
      for (const input of qsa(`#main [data-step] input[name="${name}"]`)) input.checked = input.value === a[name];
    }
    if (field("kelurahan")) field("kelurahan").value = a.kelurahan || "";
    for (const name of TEXT_FIELDS) if (field(name)) field(name).value = a[name] || "";
    if (field("consent")) field("consent").checked = Boolean(a.consent);
    const area = field("description");
    if (area) area.dispatchEvent(new Event("input", { bubbles: true })); // the counter (app.js)
    showPhoto();
  }

  function applyDefaults() {
    const select = field("kelurahan");
    if (!select || select.value) return;
    const preset = isKiosk ? D.default_kelurahan : presetOffice;
    if (preset && qs(`option[value="${CSS.escape(preset)}"]`, select)) select.value = preset;
  }

  /* ---------------------------------------------------------------- the draft */

  let saveTimer = 0;

  /* The forms hold the answers: read them, then keep them on the phone. */
  function saveDraft() {
    if (isKiosk || !Q || !state.key) return Promise.resolve();
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = 0;
    readForms();
    return Q.draft
      .set({
        key: state.key,
        office: state.office,
        answers: state.answers,
        photo: state.photo,
        photo_name: state.photoName,
        step: state.step,
        queued: state.queued,
        conflict: state.conflict,
        updated_at: new Date().toISOString(),
      })
      .catch((err) => console.warn("kios-aduan: draft not saved", err));
  }

  /* As the citizen types: at once, then at most every 300 ms (a crash loses
     at most the last keystrokes), and when the page is hidden or left. */
  let lastSave = 0;

  function saveSoon() {
    if (isKiosk || !state.key || saveTimer) return;
    const wait = Math.max(0, lastSave + 300 - Date.now());
    saveTimer = setTimeout(() => {
      saveTimer = 0;
      lastSave = Date.now();
      saveDraft();
    }, wait);
  }

  function saveNow() {
    if (!isKiosk && state.key) saveDraft();
  }

  window.addEventListener("pagehide", saveNow);
  doc.addEventListener("visibilitychange", () => {
    if (doc.visibilityState === "hidden") saveNow();
  });

  function newReport() {
    state = fresh();
    state.key = Q ? Q.uuid() : cryptoKey();
    for (const name of STEPS) {
      if (forms[name] && forms[name].tagName === "FORM") forms[name].reset();
      clearErrors(forms[name]);
    }
    setPhoto(null, "");
    clearReview();
    applyDefaults();
    readForms();
  }

  function cryptoKey() {
    return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  }

  /* ---------------------------------------------------------------- screens */

  function show(step, { push = true } = {}) {
    if (!screens[step]) step = "start";
    for (const [name, el] of Object.entries(screens)) el.hidden = name !== step;
    state.step = step;
    const progress = qs("[data-progress]");
    const index = STEPS.indexOf(step);
    if (progress) {
      progress.hidden = index < 0;
      if (index >= 0) {
        qs("progress", progress).value = index + 1;
        qs("progress", progress).max = STEPS.length;
        qs(".progress__text", progress).textContent = fmt(M.step, { n: index + 1, total: STEPS.length });
      }
    }
    // "Your answers are still here": on the screen the shell opened at, until the citizen moves on.
    if (step !== carriedAt) carriedAt = "";
    const carried = qs("[data-carried]");
    if (carried) carried.hidden = !carriedAt;
    // The kiosk's "no connection" line: where the citizen decides (start, send), not on every
    // question, nor beside the carried-answers notice, which says it already.
    const banner = qs("[data-kiosk-offline]");
    if (banner) banner.hidden = !["start", "review"].includes(step) || Boolean(carriedAt);
    // The idle warning (app.js) only where there is something to clear.
    const idleDialog = doc.getElementById("idle");
    if (idleDialog) idleDialog.toggleAttribute("data-idle-paused", step === "start");
    // A kiosk's language link loads the other copy of this shell: only on the
    // start screen, where no answer (held in this page alone) is lost.
    const langLink = isKiosk && qs(".topbar .lang");
    if (langLink) langLink.hidden = step !== "start";
    if (step === "review") fillReview();
    if (step === "start") showResume();
    if (!isKiosk) showNetwork();
    const heading = qs("h1", screens[step]);
    if (heading) doc.title = heading.textContent.trim() + titleSuffix;
    const hash = step === "start" ? "" : `#${step}`;
    const url = location.pathname + location.search + hash;
    if (push && location.hash !== hash) history.pushState({ kiosStep: step }, "", url);
    else history.replaceState({ kiosStep: step }, "", url);
    window.scrollTo(0, 0);
    const main = doc.getElementById("main");
    const summary = qs("[data-error-summary]:not([hidden])", screens[step]);
    if (summary) summary.focus();
    else if (main) main.focus({ preventScroll: true });
    saveDraft();
  }

  window.addEventListener("popstate", (event) => {
    const step = (event.state && event.state.kiosStep) || location.hash.slice(1) || "start";
    if (!screens[step]) return;
    // Back from "saved"/"sent" screens goes nowhere: the report is sent.
    if (["queued", "delivered", "receipt"].includes(state.step)) {
      show(state.step, { push: false });
      return;
    }
    readForms();
    show(step, { push: false });
  });

  function showResume() {
    const resume = qs("[data-resume]");
    if (resume) resume.hidden = isKiosk || !state.key || state.queued || !hasAnswers(state.answers);
  }

  const hasAnswers = (a) => Boolean(a && (a.category || a.description));

  /* --------------------------------------------------------------- checking */

  const options = (name) => qsa(`#main input[name="${name}"]`).map((i) => i.value);
  const kelurahanCodes = () => {
    const select = field("kelurahan");
    return select ? qsa("option", select).map((o) => o.value).filter(Boolean) : [];
  };
  // The choices this page offers (the same on every screen, read once), its messages and limits.
  let rules = null;

  function check(step, a) {
    rules = rules || { messages: M, limits: L, categories: options("category"), kelurahan: kelurahanCodes(),
      identities: options("identity") };
    return A.check(step, a, rules);
  }

  // Which screen asks for each answer (the server's 422 names them too).
  const STEP_OF = {
    category: "category", kelurahan: "location", address: "location", rt: "location", rw: "location",
    description: "description", photo: "description", identity: "identity", consent: "identity",
    name: "identity", phone: "identity", email: "identity", nik: "identity",
  };

  /* ----------------------------------------------------------------- errors */

  function clearErrors(form) {
    if (!form) return;
    for (const el of qsa("[data-js-error]", form)) el.remove();
    for (const el of qsa("[aria-invalid]", form)) el.removeAttribute("aria-invalid");
    for (const el of qsa(".field--error", form)) el.classList.remove("field--error");
    const summary = qs("[data-error-summary]", form);
    if (summary) {
      summary.hidden = true;
      qs("[data-error-list]", summary).replaceChildren();
    }
  }

  function controlOf(name, form) {
    return qs(`[name="${name}"]`, form);
  }

  function showErrors(form, errors) {
    clearErrors(form);
    const names = Object.keys(errors);
    if (!names.length) return;
    const summary = qs("[data-error-summary]", form);
    const list = qs("[data-error-list]", summary);
    const template = doc.getElementById("field-error-template");
    for (const name of names) {
      const message = String(errors[name]);
      const li = doc.createElement("li");
      const control = controlOf(name, form);
      if (!control && form.dataset.step === "review" && STEP_OF[name]) {
        // On the review screen: a link to the screen with that answer.
        const a = doc.createElement("a");
        a.href = `#${STEP_OF[name]}`;
        a.dataset.goto = STEP_OF[name];
        a.textContent = message;
        li.append(a);
      } else if (control) {
        const a = doc.createElement("a");
        a.href = `#${control.id || name}`;
        a.textContent = message;
        a.addEventListener("click", (event) => {
          event.preventDefault();
          control.focus();
          control.scrollIntoView({ block: "center" });
        });
        li.append(a);
        markField(control, name, message, template);
      } else {
        li.textContent = message;
      }
      list.append(li);
    }
    summary.hidden = false;
    summary.focus();
  }

  /* The message beside the field, where the server's _field_error.html puts it. */
  function markField(control, name, message, template) {
    const node = template.content.firstElementChild.cloneNode(true);
    node.setAttribute("data-js-error", "");
    node.id = `${name}-error`;
    qs("span", node).textContent = message;
    let before = control;
    if (control.type === "radio") {
      const fieldset = control.closest(".fieldset");
      before = (fieldset && qs(".cat-group, .choice-list", fieldset)) || control; // above the cards
    } else if (control.type === "checkbox" || control.type === "file") {
      before = control.closest("label") || control;
    }
    before.before(node);
    const box = control.closest(".field");
    if (box) box.classList.add("field--error");
    for (const input of control.type === "radio" ? qsa(`input[name="${name}"]`, control.form) : [control]) {
      input.setAttribute("aria-invalid", "true");
    }
    if (control.type !== "radio") control.setAttribute("aria-describedby", node.id);
  }

  /* ------------------------------------------------------------------ photo */

  function showPhoto() {
    const kept = qs("[data-photo-kept]");
    const label = qs("[data-photo-label]");
    const preview = qs("[data-photo-preview]");
    if (photoUrl) URL.revokeObjectURL(photoUrl);
    photoUrl = state.photo ? URL.createObjectURL(state.photo) : "";
    if (kept) kept.hidden = !state.photo;
    if (preview) {
      if (photoUrl) preview.src = photoUrl;
      else preview.removeAttribute("src");
    }
    if (label) label.textContent = state.photo ? label.dataset.replace : label.dataset.add;
    const name = qs("[data-upload-name]");
    if (name && !name.classList.contains("is-error")) name.textContent = state.photo ? state.photoName : "";
  }

  function setPhoto(blob, name) {
    state.photo = blob;
    state.photoName = name || "";
    showPhoto();
  }

  /* A phone photo is often 4 MB and more: sent through a weak signal (and
     kept in the queue meanwhile) as at most PHOTO_STORED_MAX_SIDE pixels,
     the size the server keeps anyway. Redrawing also drops its EXIF. */
  async function shrink(file) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch (_err) {
      return null;
    }
    const side = Math.max(bitmap.width, bitmap.height);
    if (side <= L.photo_max_side && file.size <= 1.5 * 1024 * 1024) {
      bitmap.close();
      return file;
    }
    const scale = Math.min(1, L.photo_max_side / side);
    const canvas = doc.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff"; // transparency onto white, as the server does
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.85));
  }

  doc.addEventListener("change", async (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || input.name !== "photo") return;
    const file = input.files && input.files[0];
    if (!file) return;
    const form = input.form;
    const problem = !["image/jpeg", "image/png", "image/webp"].includes(file.type)
      ? M.photo_format
      : file.size > L.photo_max_bytes
        ? fmt(M.photo_size, { mb: Math.floor(L.photo_max_bytes / (1024 * 1024)) })
        : null;
    const blob = problem ? null : await shrink(file);
    input.value = ""; // kept by us, not the input: choosing the same file again works
    if (!blob) {
      showErrors(form, { photo: problem || M.photo_unreadable });
      return;
    }
    clearErrors(form);
    setPhoto(blob, file.name);
    saveDraft();
  });

  doc.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-photo-remove]")) {
      event.preventDefault();
      setPhoto(null, "");
      saveDraft();
    }
  });

  /* ----------------------------------------------------------------- review */

  const zfill = (v) => A.rtRw(v).value || clean(v); // RT/RW as the server keeps them

  function kelurahanName(code) {
    const option = code && qs(`#main option[value="${CSS.escape(code)}"]`);
    return option ? option.textContent.trim() : "";
  }

  function categoryName(code) {
    const input = code && qs(`#main input[name="category"][value="${CSS.escape(code)}"]`);
    const label = input && qs(".choice__text strong", input.closest("label"));
    return label ? label.textContent.trim() : "";
  }

  function fillReview() {
    const a = state.answers;
    const slot = (name) => qs(`[data-summary="${name}"]`, screens.review);
    slot("category").textContent = categoryName(a.category) || "—";
    let place = a.kelurahan ? fmt(M.kelurahan_name, { name: kelurahanName(a.kelurahan) }) : "—";
    if (clean(a.address)) place += `, ${clean(a.address)}`;
    if (zfill(a.rt)) place += `, RT ${zfill(a.rt)}`;
    if (zfill(a.rw)) place += `/RW ${zfill(a.rw)}`;
    slot("place").textContent = place;
    qs("[data-summary-text]", screens.review).textContent = clean(a.description);
    const img = qs("[data-summary-photo]", screens.review);
    img.hidden = !photoUrl;
    if (photoUrl) img.src = photoUrl;
    const who = slot("who");
    who.replaceChildren(D.identity_labels[a.identity] || "—");
    if (a.identity && a.identity !== "anonymous") {
      const lines = [a.name, a.phone, a.email].map(clean).filter(Boolean);
      const nik = String(a.nik || "").replace(/\s/g, "");
      if (nik) lines.push(`NIK ${nik.slice(0, 4)}••••••••${nik.slice(-4)}`);
      for (const line of lines) who.append(doc.createElement("br"), line);
    }
  }

  /* The summary holds the answers as text: emptied with them. */
  function clearReview() {
    if (!screens.review) return;
    for (const name of ["category", "place", "who"]) {
      const el = qs(`[data-summary="${name}"]`, screens.review);
      if (el) el.textContent = "—";
    }
    const text = qs("[data-summary-text]", screens.review);
    if (text) text.textContent = "";
    const img = qs("[data-summary-photo]", screens.review);
    if (img) {
      img.hidden = true;
      img.removeAttribute("src");
    }
  }

  /* ----------------------------------------------------------- step actions */

  doc.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.matches("[data-start-form]") && screens.start && screens.start.contains(form)) {
      event.preventDefault();
      newReport();
      show("category");
      return;
    }
    const step = form.dataset.step;
    if (!step || !STEPS.includes(step) || !screens[step]) return;
    event.preventDefault();
    event.stopPropagation();
    readForms();
    if (step === "review") {
      send(form);
      return;
    }
    const errors = check(step, state.answers);
    if (Object.keys(errors).length) {
      showErrors(form, errors);
      saveDraft();
      return;
    }
    clearErrors(form);
    if (state.fromReview && step !== "identity") {
      state.fromReview = false;
      show("review");
      return;
    }
    state.fromReview = false;
    show(STEPS[STEPS.indexOf(step) + 1]);
  }, true);

  doc.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("#main a[href^='#']") : null;
    if (!link || event.defaultPrevented) return; // an error summary's link handles itself
    if (link.matches("[data-resume-link]")) {
      event.preventDefault();
      show(resumeStep());
      return;
    }
    const step = (link.dataset.goto || link.getAttribute("href").slice(1)) || "start";
    if (!screens[step] || !(link.closest("[data-step]") || link.dataset.goto)) return;
    event.preventDefault();
    readForms();
    state.fromReview = Boolean(link.dataset.goto) && state.step === "review";
    show(step);
  });

  function resumeStep() {
    const a = state.answers;
    for (const step of STEPS) {
      if (step === "review" || Object.keys(check(step, a)).length) return step;
    }
    return "review";
  }

  doc.addEventListener("input", () => saveSoon());
  doc.addEventListener("change", () => saveSoon());

  /* ---------------------------------------------------------------- sending */

  function payload() {
    const a = state.answers;
    const anonymous = a.identity === "anonymous";
    const body = {
      idempotency_key: state.key,
      language: D.lang,
      created_at: new Date().toISOString(),
      answers: {
        category: a.category,
        kelurahan: a.kelurahan,
        address: a.address || "",
        rt: a.rt || "",
        rw: a.rw || "",
        description: a.description || "",
        identity: a.identity,
        consent: Boolean(a.consent),
        // Anonymous: nothing typed in the hidden contact fields leaves the device.
        name: anonymous ? "" : a.name || "",
        phone: anonymous ? "" : a.phone || "",
        email: anonymous ? "" : a.email || "",
        nik: anonymous ? "" : a.nik || "",
      },
    };
    if (!isKiosk && state.office) body.office = state.office;
    return body;
  }

  let sending = false;

  async function send(form) {
    const a = state.answers;
    for (const step of STEPS.slice(0, -1)) {
      const errors = check(step, a);
      if (Object.keys(errors).length) {
        show(step);
        showErrors(forms[step], errors);
        return;
      }
    }
    if (sending) return; // a double tap
    sending = true;
    const button = qs("button[type=submit]", form);
    if (button) button.disabled = true;
    try {
      if (isKiosk) await sendFromKiosk(form);
      else await sendFromPhone(form);
    } finally {
      sending = false;
      if (button) button.disabled = false;
    }
  }

  async function sendFromPhone(form) {
    if (!Q) {
      await sendDirectly(form);
      return;
    }
    if (state.conflict) {
      // The key was used for other answers: this is a new report.
      await Q.remove(state.key);
      state.key = Q.uuid();
      state.conflict = false;
    }
    await Q.add({ key: state.key, kind: "phone", url: D.urls.submit, payload: payload(), photo: state.photo });
    state.queued = true;
    await saveDraft();
    const key = state.key;
    // A slow network: after a few seconds say the report is safe on the phone
    // (the queue goes on sending; its message then shows the number here).
    const flushed = Q.flush().then(() => false, () => false);
    const slow = await Promise.race([flushed, new Promise((resolve) => setTimeout(() => resolve(true), 8000))]);
    await settle(await Q.status(key), { navigate: !slow, note: slow ? "slow" : undefined });
  }

  /* No IndexedDB (storage switched off): no queue, no draft; online only. */
  async function sendDirectly(form) {
    const body = payload();
    if (state.photo) {
      const data = await new Promise((resolve) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.readAsDataURL(state.photo);
      });
      body.photo = { mime: state.photo.type || "image/jpeg", data };
    }
    try {
      const r = await fetch(D.urls.submit, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const data = await r.json();
      if (r.ok && data.receipt_url) location.assign(data.receipt_url);
      else showErrors(form, data.errors || { _: data.error });
    } catch (_err) {
      const toast = doc.getElementById("net-error");
      if (toast) toast.hidden = false;
    }
  }

  /* Show where the report stands (after sending, on reopening, on a message). */
  async function settle(st, { navigate = false, note } = {}) {
    if (st.state === "delivered") {
      const r = st.result;
      if (navigate && r.receipt_url) {
        location.assign(r.receipt_url); // online: the receipt screen (PDF, share)
        return;
      }
      showDelivered(r);
    } else if (st.state === "failed") {
      state.queued = false;
      state.conflict = Boolean(st.conflict);
      show("review");
      const errors = { ...st.errors };
      if (errors.idempotency_key) {
        errors._conflict = errors.idempotency_key;
        delete errors.idempotency_key;
      }
      // Each answer's message on its own screen too, when the citizen goes there.
      for (const [name, message] of Object.entries(errors)) {
        if (STEP_OF[name]) showErrors(forms[STEP_OF[name]], { [name]: message });
      }
      showErrors(forms.review, errors);
    } else if (st.state === "pending") {
      show("queued");
      updateQueued(note === undefined ? navigator.onLine : note);
    } else {
      state.queued = false;
      show("review");
    }
    saveDraft();
  }

  /* The line under "saved on this phone": waiting for a network, or sending. */
  let queueNote = "waiting";

  function updateQueued(note) {
    if (note !== undefined) queueNote = note === true ? "sending" : note === false ? "waiting" : note;
    const status = qs("[data-queue-status] span");
    if (status) status.textContent = status.dataset[queueNote] || status.dataset.waiting;
  }

  function numberGroups(el, number) {
    el.replaceChildren();
    el.setAttribute("aria-label", number.replace(/-/g, " "));
    for (const group of number.split("-")) {
      const span = doc.createElement("span");
      span.className = "number__group";
      span.textContent = group;
      el.append(span);
    }
  }

  function showDelivered(r) {
    const screen = screens.delivered;
    if (!screen) return;
    numberGroups(qs("[data-delivered-number]", screen), r.number);
    const receipt = qs("[data-delivered-receipt]", screen);
    receipt.hidden = !r.receipt_url;
    if (r.receipt_url) receipt.href = r.receipt_url;
    const track = qs("[data-delivered-track]", screen);
    track.hidden = !r.tracking_url;
    if (r.tracking_url) track.href = r.tracking_url;
    state.queued = false;
    state.key = null; // delivered: the draft is gone (queue.js deleted it)
    show("delivered");
  }

  if (Q) {
    Q.on((message) => {
      // While this page sends, send() itself settles what happened.
      if (!message || sending || message.key !== state.key || !state.queued) return;
      if (message.type === "delivered") showDelivered(message.result);
      else if (message.type === "failed") Q.status(message.key).then((st) => settle(st));
      else if (message.type === "pending" && state.step === "queued") updateQueued(!message.offline && navigator.onLine);
    });
  }

  doc.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-new-report]")) {
      event.preventDefault();
      newReport();
      show("category");
    }
  });

  /* ------------------------------------------------- phone: online / offline */

  function showNetwork() {
    const note = qs("[data-offline-note]");
    // The saved and sent screens say it themselves.
    if (note) note.hidden = navigator.onLine || ["queued", "delivered"].includes(state.step);
  }

  window.addEventListener("online", () => {
    showNetwork();
    if (state.step === "queued") updateQueued(true); // queue.js sends on this very event
  });
  window.addEventListener("offline", () => {
    showNetwork();
    if (state.step === "queued") updateQueued(false);
  });

  /* ------------------------------------------------------------- kiosk only */

  async function sendFromKiosk(form) {
    const code = D.kiosk.code;
    const lease = Q ? await Q.leases.take(code) : null;
    if (!lease) {
      showErrors(form, { _: M.no_number });
      return;
    }
    let body = { ...payload(), leased_number: lease.number };
    const carried = state.carried;
    state.carried = null; // one report only
    if (carried && !state.photo && JSON.stringify(A.asServer(state.answers)) === JSON.stringify(carried.answers)) {
      // The report the online flow may have stored already: its key, answers and language.
      state.key = carried.key;
      body = { ...body, idempotency_key: carried.key, language: carried.lang, answers: carried.answers };
    }
    await Q.add({ key: state.key, kind: "kiosk", url: D.urls.submit, payload: body, photo: state.photo });
    buildReceipt(lease, body);
    // The citizen's answers leave this page's memory now; the queue holds them until delivery.
    state.answers = {};
    setPhoto(null, "");
    for (const name of STEPS) if (forms[name].tagName === "FORM") forms[name].reset();
    clearReview();
    show("receipt");
    if (D.kiosk.auto_print) {
      const print = qs("[data-print='browser']", screens.receipt);
      if (print) print.click();
    }
    Q.flush().catch(() => undefined); // maybe the network is back already
  }

  function wib(date, withTime) {
    const parts = new Intl.DateTimeFormat(D.lang === "en" ? "en-GB" : "id-ID", {
      timeZone: "Asia/Jakarta", day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).formatToParts(date);
    const get = (type) => (parts.find((p) => p.type === type) || { value: "" }).value;
    const day = `${get("day")} ${get("month")} ${get("year")}`;
    return withTime ? `${day}, ${get("hour")}.${get("minute")} WIB` : day;
  }

  // As kiosk/receipts.py `_location`: the address without contact details, trimmed; RT / RW.
  const CONTACT = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\+?\d(?:[\s().-]?\d){7,}/g;
  function receiptLocation(a) {
    let text = String(a.address || "").split(/\s+/).join(" ").trim().replace(CONTACT, "…");
    if (text.length > 90) {
      const cut = text.slice(0, 90);
      const space = cut.lastIndexOf(" ");
      text = (space > 0 ? cut.slice(0, space) : cut).replace(/[,;:.\- ]+$/, "") + "…";
    }
    const hood = [["RT", zfill(a.rt)], ["RW", zfill(a.rw)]].filter(([, v]) => v).map(([n, v]) => `${n} ${v}`).join(" / ");
    return [text, hood].filter(Boolean).join(", ");
  }

  function buildReceipt(lease, body) {
    const a = body.answers;
    const created = new Date(body.created_at);
    const [kelTitle, kecTitle] = D.kelurahan[a.kelurahan] || ["", ""];
    const groups = lease.number.split("-");
    const values = {
      n1: groups[0], n2: groups[1], n3: groups[2], n4: groups[3], number: lease.number,
      received_at: wib(created, true),
      follow_up_by: wib(new Date(created.getTime() + 7 * 24 * 3600 * 1000), false),
      category: categoryName(a.category),
      place: [kelTitle, kecTitle].filter(Boolean).join(", "),
      kelurahan: kelurahanName(a.kelurahan),
      location: receiptLocation(a),
      reporter: a.identity === "named" && clean(a.name) ? clean(a.name) : D.identity_labels[a.identity] || "",
    };
    const fill = (text) => text.replace(/\[\[(\w+)\]\]/g, (m, k) => (k in values ? values[k] : m));
    const frag = doc.getElementById("receipt-template").content.cloneNode(true);
    const walker = doc.createTreeWalker(frag, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeValue.includes("[[")) node.nodeValue = fill(node.nodeValue);
    }
    for (const el of frag.querySelectorAll("*")) {
      for (const attr of Array.from(el.attributes)) if (attr.value.includes("[[")) attr.value = fill(attr.value);
    }
    if (!values.location) for (const el of frag.querySelectorAll(".rcpt__location")) el.remove();
    const qr = frag.querySelector("[data-receipt-qr]");
    if (qr) {
      const holder = doc.createElement("template");
      // The server's code for this number, from the lease (an older lease may hold the SVG itself).
      holder.innerHTML = lease.qr_svg || qrSvg(lease.qr);
      qr.replaceWith(holder.content);
    }
    qs("[data-receipt-slot]", screens.receipt).replaceChildren(frag);
  }

  /* A leased number's QR code, drawn as the server draws it (printing/qr.py
     qr_svg: one path, a line per run of dark modules, moves relative to the
     end of the run before) from the modules the lease carries packed
     (qr_bits: row by row, eight a byte, the first the high bit; base64). */
  function qrSvg(qr) {
    if (!qr || !Number.isInteger(qr.size) || typeof qr.bits !== "string") return "";
    const n = qr.size;
    let bytes;
    try {
      bytes = Uint8Array.from(atob(qr.bits), (c) => c.charCodeAt(0));
    } catch (_err) {
      return "";
    }
    const dark = (x, y) => (bytes[(y * n + x) >> 3] & (0x80 >> ((y * n + x) & 7))) !== 0;
    let d = "";
    let at = null; // where the previous run ended
    for (let y = 0; y < n; y += 1) {
      let x = 0;
      while (x < n) {
        if (!dark(x, y)) {
          x += 1;
          continue;
        }
        const start = x;
        while (x < n && dark(x, y)) x += 1;
        d += at ? `m${start - at[0]} ${y - at[1]}h${x - start}` : `M${start} ${y}.5h${x - start}`;
        at = [x, y];
      }
    }
    return `<svg class="qr" role="img" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${n} ${n}" `
      + `shape-rendering="crispEdges"><rect width="${n}" height="${n}" fill="#fff"/>`
      + `<path stroke="#000" fill="none" d="${d}"/></svg>`;
  }

  function resetKiosk() {
    takeCarried(); // normally gone already (taken at load); never left for the next citizen
    if (CARRY_KEY) for (const choice of displayChoices()) setDisplay(choice, false); // and the usual screen
    carriedAt = "";
    newReport();
    state.key = null;
    const slot = screens.receipt && qs("[data-receipt-slot]", screens.receipt);
    if (slot) slot.replaceChildren();
    show("start", { push: false });
  }

  /* The answers given online before the network failed (kiosk-offline.js
     keeps them under the same key). Read once, then removed: from now on
     they live in this page's memory only, as answers typed here do. */
  const CARRY_KEY = isKiosk && D.kiosk ? `kios-aduan:answers:${D.kiosk.code}` : "";
  const PERSONAL = ["name", "phone", "email", "nik"];
  let carriedAt = ""; // the screen showing the "answers kept" notice

  function takeCarried() {
    if (!CARRY_KEY) return null;
    let raw = null;
    try {
      raw = sessionStorage.getItem(CARRY_KEY);
      sessionStorage.removeItem(CARRY_KEY);
    } catch (_err) {
      return null; // storage switched off: nothing was kept
    }
    try {
      const record = JSON.parse(raw || "null");
      return record && typeof record === "object" && record.answers && typeof record.answers === "object" ? record : null;
    } catch (_err) {
      return null;
    }
  }

  /* Open at the first screen not answered (or the review); false: nothing to carry. */
  function restoreCarried() {
    const record = takeCarried();
    if (!record) return false;
    const given = record.answers;
    const done = new Set((Array.isArray(record.done) ? record.done : []).filter((s) => STEPS.includes(s)));
    const anything = done.size > 0 || Object.values(given).some((v) => v === true || (typeof v === "string" && v.trim()));
    if (!anything) return false;
    newReport(); // a new key and this page's defaults (the kiosk's kelurahan, "with my name")
    const a = { ...state.answers };
    // Only strings, and no longer than any answer may be: the rest is not an answer.
    for (const name of ["category", "kelurahan", "identity", ...TEXT_FIELDS]) {
      if (typeof given[name] === "string") a[name] = given[name].slice(0, L.description_max);
    }
    a.consent = given.consent === true;
    // Choices as if tapped here: what this page does not offer is dropped, and asked again.
    if (!options("category").includes(a.category)) a.category = "";
    if (!kelurahanCodes().includes(a.kelurahan)) {
      a.kelurahan = "";
      done.delete("location");
    }
    if (!options("identity").includes(a.identity)) {
      a.identity = state.answers.identity;
      done.delete("identity");
    }
    if (a.identity === "anonymous") for (const name of PERSONAL) a[name] = ""; // as the server: no identity at all
    fillForms(a);
    applyDefaults();
    readForms();
    const key = typeof record.key === "string" && record.key.length <= 64 ? record.key : "";
    if (key && record.photo !== true) {
      // The online report as the server may hold it (the answers as given there, not as
      // adjusted here): sent unchanged, it goes under its key (sendFromKiosk).
      const online = { consent: given.consent === true };
      for (const name of ["category", "kelurahan", "identity", ...TEXT_FIELDS]) {
        online[name] = typeof given[name] === "string" ? given[name] : "";
      }
      // In the form the server stored (and fingerprinted) them (answers.js).
      state.carried = { key, lang: ["id", "en"].includes(record.lang) ? record.lang : D.lang,
        answers: A.asServer(online) };
    }
    let step = "review";
    for (const s of STEPS.slice(0, -1)) {
      if (!done.has(s) || Object.keys(check(s, state.answers)).length) {
        step = s;
        break;
      }
    }
    const note = qs("[data-carried]");
    const photo = note && qs("[data-carried-photo]", note);
    if (photo) photo.hidden = record.photo !== true; // a photo is never carried: choose it again
    carriedAt = step;
    show(step, { push: false });
    return true;
  }

  /* Display choices (intake/_display_toggle.html: larger text, the screen
     lowered): online the server keeps them in the session; here, in this
     page, and across its reloads (the language link, a failed network on
     the way in: kiosk-offline.js) in this tab's sessionStorage, one key
     each under the prefix every reset wipes. */
  const displayKey = (choice) => `${CARRY_KEY}:${choice}`;
  const displayChoices = () => [...new Set(qsa("[data-display]").map((b) => b.dataset.display))];

  function setDisplay(choice, on) {
    doc.documentElement.classList.toggle(choice, on);
    for (const button of qsa(`[data-display="${choice}"]`)) button.setAttribute("aria-pressed", on ? "true" : "false");
    try {
      if (on) sessionStorage.setItem(displayKey(choice), "1");
      else sessionStorage.removeItem(displayKey(choice));
    } catch (_err) {
      /* storage switched off: for this page only */
    }
  }

  function restoreDisplay() {
    for (const choice of displayChoices()) {
      let on = false;
      try {
        on = sessionStorage.getItem(displayKey(choice)) === "1";
      } catch (_err) {
        return;
      }
      if (on) setDisplay(choice, true);
    }
  }

  if (CARRY_KEY) {
    doc.addEventListener("click", (event) => {
      const button = event.target instanceof Element && event.target.closest("[data-display]");
      if (button) setDisplay(button.dataset.display, button.getAttribute("aria-pressed") !== "true");
    });
  }

  /* The next citizen starts in Indonesian, as on the online kiosk after its
     reset: this shell's Indonesian copy (`?lang=id`: the worker answers it
     with that copy whatever language this kiosk showed last). */
  function toIndonesian() {
    if (D.lang !== "id") location.replace(`${D.urls.shell}?lang=id`);
  }

  if (isKiosk) {
    doc.addEventListener("kios:idle-reset", () => {
      resetKiosk();
      toIndonesian();
    });
    doc.addEventListener("click", async (event) => {
      if (!(event.target instanceof Element) || !event.target.closest("[data-finish]")) return;
      event.preventDefault();
      resetKiosk();
      // Back to the online kiosk when the server answers again, through its
      // reset (the session of a citizen cut off online may still hold a draft
      // and a language); else this shell, in Indonesian.
      try {
        const ctrl = new AbortController();
        const timer = setTimeout(() => ctrl.abort(), 3000);
        const r = await fetch(D.urls.start, { method: "HEAD", cache: "no-store", credentials: "same-origin", signal: ctrl.signal });
        clearTimeout(timer);
        if (r.ok) {
          const form = doc.createElement("form");
          form.method = "post";
          form.action = D.urls.finish;
          doc.body.append(form);
          form.submit();
          return;
        }
      } catch (_err) {
        /* still offline: stay on this shell */
      }
      toIndonesian();
    });
  }

  /* ------------------------------------------------------------------ start */

  async function start() {
    for (const el of qsa("[data-valid-until]")) {
      // A notice of an older copy of this page (office closed, duty roster) that is no longer true.
      if (Date.parse(el.dataset.validUntil) < Date.now()) el.remove();
    }
    showNetwork();
    applyDefaults();
    readForms();
    if (isKiosk) restoreDisplay();
    if (isKiosk && restoreCarried()) return;
    if (isKiosk || !Q) {
      show("start", { push: false });
      return;
    }
    const fix = /^#fix=(.+)$/.exec(location.hash);
    let draft = await Q.draft.get().catch(() => null);
    if (fix) {
      // "Check and send again" from Laporan saya: that report's answers back in the form.
      const entry = await Q.get(decodeURIComponent(fix[1]));
      if (entry && entry.kind === "phone") {
        draft = {
          key: entry.key, office: entry.payload.office || null, answers: entry.payload.answers,
          photo: entry.photo, photo_name: "", step: "review", queued: true, conflict: entry.conflict,
        };
      }
    }
    if (!draft || !draft.key) {
      show("start", { push: false });
      return;
    }
    state = { ...fresh(), key: draft.key, office: draft.office || presetOffice, answers: draft.answers || {},
      photo: draft.photo || null, photoName: draft.photo_name || "", step: draft.step || "category",
      queued: Boolean(draft.queued), conflict: Boolean(draft.conflict) };
    fillForms(state.answers);
    applyDefaults();
    readForms();
    if (state.queued) {
      await settle(await Q.status(state.key));
      return;
    }
    const wanted = location.hash.slice(1);
    show(screens[wanted] && STEPS.includes(wanted) ? wanted : state.step, { push: false });
  }

  start().catch((err) => {
    console.error(err);
    show("start", { push: false });
  });

  /* ======================================================================
   * Laporan saya
   * =================================================================== */
  function initMine() {
    const root = qs("[data-mine]");
    const text = JSON.parse(doc.getElementById("mine-text").textContent);
    const list = qs("[data-mine-list]", root);
    const empty = qs("[data-mine-empty]", root);
    const forget = qs("[data-mine-forget]", root);
    const confirm = qs("[data-mine-confirm]");
    const said = qs("[data-mine-status]", root);
    const template = doc.getElementById("mine-item");

    const date = (iso) => {
      const d = new Date(iso);
      if (Number.isNaN(d.getTime())) return "";
      const parts = new Intl.DateTimeFormat(D.lang === "en" ? "en-GB" : "id-ID", {
        timeZone: "Asia/Jakarta", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
      }).formatToParts(d);
      const get = (type) => (parts.find((p) => p.type === type) || { value: "" }).value;
      return `${get("day")} ${get("month")} ${get("year")}, ${get("hour")}.${get("minute")} WIB`;
    };

    function item(fill) {
      const li = template.content.firstElementChild.cloneNode(true);
      fill({
        li,
        number: qs("[data-item-number]", li),
        status: qs("[data-item-status]", li),
        date: qs("[data-item-date]", li),
        category: qs("[data-item-category]", li),
        note: qs("[data-item-note]", li),
        receipt: qs("[data-item-receipt]", li),
        track: qs("[data-item-track]", li),
        fix: qs("[data-item-fix]", li),
      });
      return li;
    }

    const badge = (el, tone, label) => {
      el.className = `badge badge--${tone}`;
      el.textContent = label;
    };

    async function status(number, el) {
      if (!navigator.onLine) {
        badge(el, "neutral", text.unknown);
        return;
      }
      try {
        const r = await fetch(D.urls.track + encodeURIComponent(number), {
          headers: { Accept: "application/json", "Accept-Language": D.lang }, cache: "no-store",
        });
        const data = await r.json();
        if (!r.ok) throw new Error(data.error || r.status);
        badge(el, D.tones[data.status] || "neutral", data.status_label);
      } catch (_err) {
        badge(el, "neutral", text.unknown);
      }
    }

    async function render() {
      if (!Q) {
        empty.hidden = false;
        return;
      }
      const waiting = (await Q.all()).filter((e) => e.kind === "phone");
      const sent = await Q.mine.list();
      const items = [];
      for (const e of waiting) {
        items.push(item((x) => {
          x.number.replaceWith(Object.assign(doc.createElement("p"), { className: "mine-item__pending", textContent: text.no_number }));
          badge(x.status, e.state === "failed" ? "waiting" : "progress", e.state === "failed" ? text.failed : text.pending);
          x.date.textContent = date(e.payload.created_at || e.queued_at);
          x.note.hidden = false;
          x.note.textContent = e.state === "failed" ? text.failed_note : text.pending_note;
          if (e.state === "failed") {
            x.fix.hidden = false;
            x.fix.href = `${D.urls.start}#fix=${encodeURIComponent(e.key)}`;
          }
        }));
      }
      for (const r of sent) {
        items.push(item((x) => {
          numberGroups(x.number, r.number);
          x.date.textContent = date(r.date);
          if (r.category) x.category.textContent = r.category;
          if (r.receipt_url) {
            x.receipt.hidden = false;
            x.receipt.href = r.receipt_url;
          }
          if (r.tracking_url) {
            x.track.hidden = false;
            x.track.href = r.tracking_url;
          }
          badge(x.status, "neutral", "…");
          status(r.number, x.status);
        }));
      }
      list.replaceChildren(...items);
      empty.hidden = items.length > 0;
      forget.hidden = sent.length === 0;
    }

    forget.addEventListener("click", () => {
      if (typeof confirm.showModal === "function") confirm.showModal();
      else confirm.setAttribute("open", "");
    });
    qs("[data-forget-no]", confirm).addEventListener("click", () => confirm.close());
    qs("[data-forget-yes]", confirm).addEventListener("click", async () => {
      confirm.close();
      if (Q) await Q.mine.forget(); // delivered ones only: what still waits must still be sent
      said.textContent = text.forgotten;
      render();
    });
    if (Q) Q.on(() => render());
    render().catch((err) => console.error(err));
  }
})();
