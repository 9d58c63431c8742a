/* Kios Aduan — service worker (served at /sw.js, scope "/"; design in kiosk/sw/README.md).
 *
 * The server fills in PRECACHE (kiosk/pwa/precache.py): the version, the shell
 * pages (each in every language), the static files with their SRI hashes, the
 * paths that may hold personal data and the app's languages. A new deploy
 * changes the version, hence these bytes, hence the browser installs a new
 * worker with a cache of its own.
 */
"use strict";

const PRECACHE = /*@PRECACHE@*/ { version: "dev", pages: [], static: [], personal: [], languages: ["id"] };
const IMPORTS = /*@IMPORTS@*/ [];

const PREFIX = "kios-aduan-";
const CACHE = PREFIX + PRECACHE.version;
const SYNC_TAG = "kios-aduan-queue";
// The one page the worker stores on a page's request: a kiosk's offline shell.
const KIOSK_SHELL = /^\/k\/[A-Za-z0-9_-]+\/luring\/$/;
const PERSONAL = PRECACHE.personal.map((p) => new RegExp(p));
const STATIC_URLS = new Set(PRECACHE.static.map((s) => s.url));
// The shell pages' own paths (PRECACHE.pages holds each in every language).
const SHELL_PATHS = new Set(PRECACHE.pages.map((url) => new URL(url, self.location.origin).pathname));

/* Languages: a page's copy in the default one (the first) is kept at its own
   URL, in another at the URL its language link uses, `?lang=` (the rule of
   language_url in precache.py). Offline, a navigation is answered in the
   language its address asks for, else the one this device last showed a page
   in (pwa.js writes it, on every page, into DEVICE_CACHE: outside the
   versioned caches, so it outlives workers and updates), else the default. */
const LANGUAGES = PRECACHE.languages;
const DEVICE_CACHE = "kios-aduan:device";
const LANG_KEY = "/.kios-aduan/lang";
const variant = (path, lang) => (lang === LANGUAGES[0] ? path : `${path}?lang=${lang}`);

// The offline queue (queue.js, with idb-keyval) must be imported while the
// worker is first evaluated: Chromium refuses importScripts() later. The
// server lists only files that exist; a failure still must not stop install.
try {
  if (IMPORTS.length) importScripts(...IMPORTS);
} catch (err) {
  console.warn("kios-aduan sw: importScripts failed", err);
}

const isPersonal = (url) => PERSONAL.some((re) => re.test(url.pathname));

/* Fetch one URL for the cache. `credentials: 'omit'`: no cookie, so no session
   and nothing personal. Pages: `cache: 'reload'`, always from the server.
   Static files carry their hash (SRI): the copy the page has just loaded into
   the HTTP cache is taken if it matches (no second download on a first
   visit), else the server's; a stale copy can never enter a new version. */
async function fetchForCache(url, { integrity, credentials = "omit" } = {}) {
  const u = new URL(url, self.location.origin);
  if (u.origin !== self.location.origin || isPersonal(u)) throw new Error(`refused: ${url}`);
  const get = (cache) => fetch(new Request(u.href, { credentials, cache, redirect: "follow", integrity }));
  let response;
  if (integrity) {
    try {
      response = await get("force-cache");
    } catch (err) {
      response = await get("reload"); // the HTTP cache held other bytes
    }
  } else {
    response = await get("reload");
  }
  // A redirected response cannot answer a navigation; an error page is not a shell.
  if (!response.ok || response.redirected) throw new Error(`${url}: ${response.status}`);
  return response;
}

/* ---------------------------------------------------------------- install */

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const jobs = [
        ...PRECACHE.pages.map((url) => ({ url })),
        ...PRECACHE.static.map((s) => ({ url: s.url, integrity: s.integrity })),
      ];
      // A few at a time, each stored as it arrives (an unread body holds its
      // connection). All or nothing: any failure fails the install, the old
      // worker stays in charge and this half-filled cache is deleted.
      const next = async () => {
        for (let job = jobs.shift(); job; job = jobs.shift()) {
          await cache.put(job.url, await fetchForCache(job.url, { integrity: job.integrity }));
        }
      };
      await Promise.all([next(), next(), next(), next()]);
      // Kiosks that kept an offline shell in the previous version keep one now.
      await carryKioskShells(cache);
    })().catch(async (err) => {
      await caches.delete(CACHE);
      throw err;
    }),
  );
});

async function carryKioskShells(cache) {
  const kiosks = new Set();
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const old = await caches.open(name);
    for (const req of await old.keys()) {
      const url = new URL(req.url);
      if (KIOSK_SHELL.test(url.pathname)) kiosks.add(url.pathname);
    }
  }
  for (const path of kiosks) {
    for (const url of LANGUAGES.map((lang) => variant(path, lang))) {
      try {
        await cache.put(url, await fetchForCache(url, { credentials: "same-origin" }));
      } catch (err) {
        // Offline at install time: the shell is refreshed when the kiosk page asks again.
      }
    }
  }
}

/* --------------------------------------------------------------- activate */

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

/* ------------------------------------------------------------------ fetch */

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // POSTs (submissions, resets) always go to the network and are never stored.
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(event, url));
  } else if (STATIC_URLS.has(url.pathname + url.search)) {
    event.respondWith(fromCache(request));
  }
  // Everything else (htmx requests, the API, tracking, receipts, QR codes):
  // the network, untouched, never cached.
});

/* Pages: always the network first (they carry the session and fresh data);
   nothing is stored. Offline: the cached shell that fits the path, in the
   language that fits (offlineLanguage); the default one if that copy is missing.
   The same where the intake flow's shells do a citizen's work (a kiosk's pages,
   /lapor/) when the server is down behind its gateway: a 502 or 504, or our
   own 503 "for a moment" (with Retry-After; a kiosk taken out of service
   answers 503 without it, and that page shows). */
async function navigate(event, url) {
  let response;
  try {
    const preloaded = await event.preloadResponse;
    response = preloaded || (await fetch(event.request));
  } catch (err) {
    return (await offlineShell(url)) || Response.error();
  }
  if (serverDown(response) && INTAKE_PAGES.test(url.pathname)) return (await offlineShell(url)) || response;
  return response;
}

const INTAKE_PAGES = /^\/(?:k\/[A-Za-z0-9_-]+|lapor)\//;

function serverDown(response) {
  return response.status === 502 || response.status === 504
    || (response.status === 503 && response.headers.has("Retry-After"));
}

async function offlineShell(url) {
  const cache = await caches.open(CACHE);
  const lang = await offlineLanguage(url);
  for (const candidate of offlineCandidates(url.pathname)) {
    for (const key of new Set([variant(candidate, lang), candidate])) {
      const hit = await cache.match(key, { ignoreVary: true });
      if (hit) return hit;
    }
  }
  return null;
}

function offlineCandidates(path) {
  const out = [];
  const kiosk = path.match(/^\/k\/([A-Za-z0-9_-]+)\//);
  if (kiosk) out.push(`/k/${kiosk[1]}/luring/`);
  else if (path.startsWith("/lapor/")) out.push("/lapor/");
  else if (path.startsWith("/laporan-saya")) out.push("/laporan-saya");
  else if (SHELL_PATHS.has(path)) out.push(path);
  out.push("/luring");
  return out;
}

/* `?lang=` in the address (a language link tapped offline), else this
   device's last language, else the default. A kiosk follows the same rule:
   its online reset shows the start page in Indonesian, which is written as
   its language, and its offline shell resets to `?lang=id` (flow.js). */
async function offlineLanguage(url) {
  const asked = url.searchParams.get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  try {
    const held = await (await caches.open(DEVICE_CACHE)).match(LANG_KEY);
    const lang = held ? (await held.text()).trim() : "";
    if (LANGUAGES.includes(lang)) return lang;
  } catch (err) {
    /* no cache storage: the default */
  }
  return LANGUAGES[0];
}

/* Static files: from this version's cache; the network if missing. */
async function fromCache(request) {
  const cache = await caches.open(CACHE);
  return (await cache.match(request, { ignoreVary: true })) || fetch(request);
}

/* --------------------------------------------------------------- messages */

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "skip-waiting") {
    self.skipWaiting();
  } else if (data.type === "cache-kiosk-shell") {
    event.waitUntil(cacheKioskShell(data.url, event.source));
  }
});

/* A kiosk page asks us to keep its offline page (/k/<code>/luring/), which we
   keep in every language (variant: `?lang=en` beside the Indonesian one). Sent
   with the kiosk's cookie, since a paired kiosk answers only its own device;
   that page shows no citizen's data (its contract, kiosk/sw/README.md). Every
   kiosk page asks: a copy younger than KIOSK_SHELL_FRESH_MS is kept as it is. */
const KIOSK_SHELL_FRESH_MS = 10 * 60 * 1000;

async function cacheKioskShell(raw, source) {
  let ok = false;
  let path = "";
  try {
    const url = new URL(raw, self.location.origin);
    path = url.pathname;
    if (url.origin !== self.location.origin || url.search || !KIOSK_SHELL.test(path)) throw new Error("not a kiosk shell");
    const cache = await caches.open(CACHE);
    for (const copy of LANGUAGES.map((lang) => variant(path, lang))) {
      const held = await cache.match(copy);
      const age = held ? Date.now() - Date.parse(held.headers.get("Date") || "") : Infinity;
      if (!(age < KIOSK_SHELL_FRESH_MS)) await cache.put(copy, await fetchForCache(copy, { credentials: "same-origin" }));
    }
    ok = true;
  } catch (err) {
    console.warn("kios-aduan sw: kiosk shell not cached", raw, err);
  }
  if (source) source.postMessage({ type: "kiosk-shell-cached", url: path, ok, version: PRECACHE.version });
}

/* ------------------------------------------------------- background sync */

self.addEventListener("sync", (event) => {
  if (event.tag !== SYNC_TAG) return;
  // queue.js defines self.KiosQueue.flush(); a rejected promise makes the
  // browser retry the sync later.
  event.waitUntil(self.KiosQueue ? self.KiosQueue.flush() : Promise.resolve());
});
