/* Kios Aduan — the server's answer rules, for the offline flow (flow.js).
 *
 * What backend/validation.py and the intake forms (kiosk/intake/forms.py)
 * accept, and the form in which the server keeps each answer. The offline
 * flow must accept exactly what the server accepts (else a citizen gets a
 * printed receipt for a report refused on delivery), and a report carried
 * from the online flow must be sent in the stored form (its fingerprint
 * must equal the stored one's, else the server sees a conflict).
 * tests/kiosk/test_answers_parity.py runs these rules in Node against the
 * server's on a table of tricky inputs: change both sides together.
 *
 * Pure: no DOM, no messages of its own (check() is handed the page's). One
 * global, KiosAnswers. Plain ES2020, no modules, no inline code (strict CSP).
 */
(() => {
  "use strict";

  // Python's whitespace (str.strip(), re's \s): JS's \s lacks \x1c-\x1f and
  // \x85 and has \ufeff, which Python keeps (a pasted BOM is refused there).
  const WS = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const EDGES = new RegExp(`^[${WS}]+|[${WS}]+$`, "g");
  const strip = (v) => String(v == null ? "" : v).replace(EDGES, "");

  // validation.text: line breaks as one "\n" (browsers send CRLF), trimmed.
  const clean = (v) => strip(String(v == null ? "" : v).replace(/\r\n?/g, "\n"));
  // Python counts characters (code points), JS strings UTF-16 units: an emoji is 1, not 2.
  const length = (v) => Array.from(v).length;

  /* Each rule: {value} (as the server keeps it, "" when not given) or {error, vars}. */

  function text(value, { required = false, max, min = 0 }) {
    const v = clean(value);
    const n = length(v);
    if (required && !v) return { error: "required" };
    if (n > max) return { error: "too_long", vars: { n: max, m: n } };
    if (v && n < min) return { error: "too_short", vars: { n: min } };
    return { value: v };
  }

  const PHONE_JUNK = new RegExp(`[${WS}\\-().]`, "g");
  const PHONE = /^(?:\+62|62|0)([1-9][0-9]{7,11})$/;

  function phone(value) {
    const raw = String(value == null ? "" : value).replace(PHONE_JUNK, "");
    if (!raw) return { value: "" };
    const m = PHONE.exec(raw);
    return m ? { value: `+62${m[1]}` } : { error: "phone" };
  }

  const SPACES = new RegExp(`[${WS}]`, "g");

  function nik(value) {
    const raw = String(value == null ? "" : value).replace(SPACES, "");
    if (!raw) return { value: "" };
    return /^[0-9]{16}$/.test(raw) ? { value: raw } : { error: "nik" };
  }

  function rtRw(value) {
    const raw = strip(value);
    if (!raw) return { value: "" };
    return /^[0-9]{1,3}$/.test(raw) ? { value: raw.padStart(3, "0") } : { error: "rt_rw" };
  }

  /* email_validator (validate_email, check_deliverability=False) as the
     server calls it, for addresses with an ASCII domain: the local part a
     dot-atom (Unicode allowed, NFC), role names (info@, support@...) in lower
     case, the domain in lower case with a dot, hostname labels, a top-level
     domain ending in a letter, no special-use names, at most 254 bytes.
     Stricter on purpose: a non-ASCII or Punycode ("xn--") domain is refused
     here, since without the server's IDNA tables the stored form cannot be
     known (the server takes them; such an address is given online only). */
  const BT = "\x60"; // a backtick, kept out of the source for the minifier
  const ATEXT = `a-zA-Z0-9_!#$%&'*+\\-/=?^${BT}{|}~`;
  const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`);
  const DOT_ATOM_INTL = new RegExp(`^[${ATEXT}\\u0080-\\u{10FFFF}]+(?:\\.[${ATEXT}\\u0080-\\u{10FFFF}]+)*$`, "u");
  // Letters, numbers, punctuation, symbols; combining marks except first (check_unsafe_chars).
  const SAFE = /^(?!\p{M})[\p{L}\p{N}\p{P}\p{S}\p{M}]*$/u;
  const LABEL = "(?:[a-z0-9][a-z0-9-]*)?[a-z0-9]";
  const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
  const ROLES = ["info", "marketing", "sales", "support", "abuse", "noc", "security", "postmaster",
    "hostmaster", "usenet", "news", "webmaster", "www", "uucp", "ftp"];
  const SPECIAL_USE = ["arpa", "invalid", "local", "localhost", "onion", "test"];

  const utf8Length = (s) => Array.from(s).reduce((n, c) => {
    const cp = c.codePointAt(0);
    return n + (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
  }, 0);

  function localPart(local) {
    if (DOT_ATOM.test(local)) return { local, ascii: true };
    if (!DOT_ATOM_INTL.test(local) || !SAFE.test(local)) return null;
    const nfc = local.normalize("NFC");
    if (DOT_ATOM.test(nfc)) return { local: nfc, ascii: true }; // NFC makes some letters ASCII (U+212A: K)
    if (nfc !== local && !(DOT_ATOM_INTL.test(nfc) && SAFE.test(nfc))) return null;
    return { local: nfc, ascii: false };
  }

  function domainPart(domain) {
    if (domain.length > 253 || !/^[A-Za-z0-9.-]+$/.test(domain)) return null;
    const d = domain.toLowerCase();
    if (/^[.-]|[.-]$|\.\.|\.-|-\./.test(d)) return null;
    const labels = d.split(".");
    if (labels.some((l) => /^(?!xn)..--/.test(l) || l.startsWith("xn--") || l.length > 63)) return null;
    if (!HOSTNAME.test(d) || labels.length < 2 || !/[a-z]$/.test(d)) return null;
    if (SPECIAL_USE.some((s) => d === s || d.endsWith(`.${s}`))) return null;
    return d;
  }

  function email(value) {
    const v = strip(value);
    if (!v) return { value: "" };
    const at = v.indexOf("@");
    const local = at > 0 ? localPart(v.slice(0, at)) : null;
    const domain = local ? domainPart(v.slice(at + 1)) : null;
    if (!local || !domain) return { error: "email" };
    const name = local.ascii && ROLES.includes(local.local.toLowerCase()) ? local.local.toLowerCase() : local.local;
    const normalized = `${name}@${domain}`;
    if (utf8Length(v) > 254 || utf8Length(normalized) > 254) return { error: "email" };
    return { value: normalized };
  }

  /* The answers as the server keeps them: what the online flow stored, and
     fingerprinted, for the same answers typed there. Values the server
     refuses come back trimmed (such a report is never sent). */
  function asServer(a) {
    const anonymous = a.identity === "anonymous";
    const kept = (rule, v) => {
      const r = rule(v);
      return r.error ? strip(v) : r.value;
    };
    const free = (v) => clean(v);
    return {
      category: a.category || "",
      kelurahan: a.kelurahan || "",
      address: free(a.address),
      rt: kept(rtRw, a.rt),
      rw: kept(rtRw, a.rw),
      description: free(a.description),
      identity: a.identity || "",
      consent: Boolean(a.consent),
      name: anonymous ? "" : free(a.name),
      phone: anonymous ? "" : kept(phone, a.phone),
      email: anonymous ? "" : kept(email, a.email),
      nik: anonymous ? "" : kept(nik, a.nik),
    };
  }

  const fmt = (pattern, vars) => String(pattern).replace(/%\((\w+)\)[sd]/g, (_m, k) => String(vars[k]));

  /* One screen's answers as its server form checks them: {field: message}.
     ctx: {messages, limits} of the page (#shell-data) and the choices it
     offers: {categories, kelurahan, identities} (codes). */
  function check(step, a, ctx) {
    const M = ctx.messages || {};
    const L = ctx.limits;
    const e = {};
    const put = (name, r) => {
      if (r && r.error) e[name] = r.vars ? fmt(M[r.error], r.vars) : M[r.error] || r.error;
    };
    const choice = (name, list, error) => {
      if (!(list || []).includes(a[name])) put(name, { error });
    };
    if (step === "category") {
      choice("category", ctx.categories, "category");
    } else if (step === "location") {
      choice("kelurahan", ctx.kelurahan, "kelurahan");
      put("address", text(a.address, { max: L.address_max }));
      put("rt", rtRw(a.rt));
      put("rw", rtRw(a.rw));
    } else if (step === "description") {
      put("description", text(a.description, { required: true, max: L.description_max, min: L.description_min }));
    } else if (step === "identity") {
      choice("identity", ctx.identities, "identity");
      if (a.identity !== "anonymous") {
        // Anonymous: hidden on screen and never kept, so nothing typed there may block.
        put("name", text(a.name, { max: L.name_max }));
        put("phone", phone(a.phone));
        put("email", email(a.email));
        put("nik", nik(a.nik));
      }
      if (!a.consent) put("consent", { error: "consent" });
    }
    return e;
  }

  globalThis.KiosAnswers = Object.freeze({ clean, length, text, phone, email, nik, rtRw, asServer, check, fmt });
})();
