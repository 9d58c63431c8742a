/* Kios Aduan — the device queue: complaints waiting to be sent, on this device.
 *
 * Plain ES2020, no DOM: it runs in a window (after idb-keyval.js) and in the
 * service worker (`importScripts('/static/js/queue.js')`, which loads
 * idb-keyval itself if needed; the `sync` handler calls
 * `self.KiosQueue.flush()`). Storage is IndexedDB through idb-keyval, one
 * database per kind of record (idb-keyval keeps one store per database):
 *
 *   queue    idempotency key -> the complaint to send (answers, photo Blob,
 *            kiosk: its leased number). Personal data: deleted on delivery.
 *   mine     complaint number -> {number, key, date, receipt_url,
 *            tracking_url, category} of a phone's delivered complaint, for
 *            "Laporan saya". Nothing personal; kept until the citizen forgets it.
 *   draft    "current" -> the phone's complaint being written (flow.js).
 *   leases   kiosk code -> the kiosk's unused leased numbers with their QR codes.
 *
 * flush() sends what waits. It is called right after a complaint is queued,
 * on the window's `online` event, by Background Sync (tag kios-aduan-queue)
 * and when a page opens. Several may run at once (the `online` event and
 * Background Sync both fire when a phone gets its signal back, design notes
 * §3): a Web Lock (`navigator.locks`, windows and workers alike) lets one
 * flush run at a time, so the next finds the complaint gone and sends nothing;
 * the server also answers a replayed key with the same complaint.
 *
 * The answer decides: 2xx delivered (the record is deleted; a phone keeps
 * its number in `mine`); 5xx, 408, 429 or no network: kept, sent again later
 * (never given up: a complaint the server may have stored is only ever sent
 * again with the same key); any other 4xx: kept as "failed" with the
 * server's errors, for the citizen to change and send again. A kiosk's 422
 * with `kept: true` means the server keeps the report for the office's
 * officers: the kiosk's entry drops the answers and photo and keeps only its
 * key, leased number, status, reason codes and times.
 *
 * Every change is announced on the BroadcastChannel "kios-aduan-queue"
 * ({type: "delivered"|"failed"|"pending", key, ...}) and to `KiosQueue.on()`
 * listeners in this context.
 */
(function (root) {
  "use strict";

  if (root.KiosQueue) return;

  const isWindow = typeof root.document !== "undefined";
  if (!root.idbKeyval && typeof root.importScripts === "function") {
    // The service worker imports it first (kiosk/pwa/views.py); a bare worker here.
    root.importScripts("/static/vendor/idb-keyval/idb-keyval.js");
  }
  const idb = root.idbKeyval;
  if (!idb) {
    // No storage: the page flow still works online; nothing can be queued.
    return;
  }

  const LOCK = "kios-aduan-queue";
  const LEASE_LOCK = "kios-aduan-leases";
  const SYNC_TAG = "kios-aduan-queue";
  const stores = {
    queue: idb.createStore("kios-aduan-queue", "queue"),
    mine: idb.createStore("kios-aduan-mine", "mine"),
    draft: idb.createStore("kios-aduan-draft", "draft"),
    leases: idb.createStore("kios-aduan-leases", "leases"),
  };

  const listeners = new Set();
  let channel = null;
  try {
    channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("kios-aduan-queue") : null;
  } catch (_err) {
    channel = null;
  }

  function notify(message) {
    for (const fn of listeners) {
      try {
        fn(message);
      } catch (err) {
        console.error(err);
      }
    }
  }

  /* Tell this context's listeners and every other page and the worker. */
  function announce(message) {
    notify(message);
    if (channel) channel.postMessage(message);
  }

  // What another page or the worker did (a channel never hears its own posts).
  if (channel) channel.addEventListener("message", (event) => notify(event.data));

  /* ---------------------------------------------------------------- helpers */

  const now = () => new Date().toISOString();

  function uuid() {
    const c = root.crypto;
    if (c && typeof c.randomUUID === "function") return c.randomUUID();
    // Plain-http kiosks on a LAN have no randomUUID (secure contexts only).
    const b = c.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function blobToBase64(blob) {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let out = "";
    const CHUNK = 0x8000; // String.fromCharCode takes a bounded argument list
    for (let i = 0; i < bytes.length; i += CHUNK) {
      out += String.fromCharCode.apply(null, bytes.subarray(i, i + CHUNK));
    }
    return root.btoa(out);
  }

  /* One at a time, across every page and the worker of this origin. Without
     Web Locks (old browsers): one at a time in this context; the server's
     idempotency covers the rest. */
  let localChain = Promise.resolve();

  function exclusive(name, fn) {
    if (root.navigator && root.navigator.locks && typeof root.navigator.locks.request === "function") {
      return root.navigator.locks.request(name, () => fn());
    }
    const run = localChain.then(fn, fn);
    localChain = run.catch(() => undefined);
    return run;
  }

  /* --------------------------------------------------------------- the queue */

  /* Add a complaint. `entry`: {key, kind: "phone"|"kiosk", url, payload (the
     JSON body without the photo), photo: Blob|null}. */
  async function add(entry) {
    const record = {
      key: entry.key,
      kind: entry.kind,
      url: entry.url,
      payload: entry.payload,
      photo: entry.photo || null,
      leased_number: entry.payload && entry.payload.leased_number ? entry.payload.leased_number : null,
      state: "pending",
      errors: null,
      conflict: false,
      attempts: 0,
      queued_at: now(),
      last_try: null,
      retry_at: null,
    };
    await idb.set(record.key, record, stores.queue);
    announce({ type: "pending", key: record.key });
    requestSync();
    return record;
  }

  async function all() {
    return (await idb.values(stores.queue)).sort((a, b) => String(a.queued_at).localeCompare(String(b.queued_at)));
  }

  function get(key) {
    return idb.get(key, stores.queue);
  }

  function remove(key) {
    return idb.del(key, stores.queue);
  }

  /* Where a complaint stands: {state: "pending"|"failed"|"delivered"|"unknown", ...}. */
  async function status(key) {
    const entry = await get(key);
    if (entry) return { state: entry.state, errors: entry.errors, conflict: entry.conflict, entry };
    const delivered = (await idb.values(stores.mine)).find((m) => m.key === key);
    if (delivered) return { state: "delivered", result: delivered };
    return { state: "unknown" };
  }

  /* Ask the browser to flush from the worker when the network is back, even
     if every page is closed by then (Chromium's Background Sync). */
  function requestSync() {
    if (!isWindow || !root.navigator.serviceWorker) return;
    root.navigator.serviceWorker.ready
      .then((reg) => (reg.sync ? reg.sync.register(SYNC_TAG) : undefined))
      .catch(() => undefined);
  }

  /* ------------------------------------------------------------------ flush */

  let flushing = null;

  /* Send everything that waits; resolves to {delivered, failed, pending} (keys).
     In the worker it rejects while something still waits, so that Background
     Sync tries again later. */
  function flush() {
    // Asked again in this context while a flush runs: that flush answers both.
    if (flushing) return flushing;
    flushing = exclusive(LOCK, flushLocked)
      .then((summary) => {
        scheduleRetry(summary);
        if (!isWindow && summary.pending.length) throw new Error("kios-aduan: complaints still waiting");
        return summary;
      })
      .finally(() => {
        flushing = null;
      });
    return flushing;
  }

  async function flushLocked() {
    const summary = { delivered: [], failed: [], pending: [] };
    let offline = false;
    for (const entry of await all()) {
      if (entry.state !== "pending") continue;
      if (offline || (entry.retry_at && Date.parse(entry.retry_at) > Date.now())) {
        summary.pending.push(entry.key); // no network, or the server asked us to wait (429)
        continue;
      }
      const outcome = await sendOne(entry);
      if (outcome === "offline") offline = true;
      summary[outcome === "offline" ? "pending" : outcome].push(entry.key);
    }
    return summary;
  }

  async function sendOne(entry) {
    const body = { ...entry.payload };
    body.photo = entry.photo ? { mime: entry.photo.type || "image/jpeg", data: await blobToBase64(entry.photo) } : null;
    entry.attempts += 1;
    entry.last_try = now();
    const text = JSON.stringify(body);
    // A server that cannot be reached on a working LAN may leave a request
    // hanging for minutes: give up on this try (a photo gets time to upload
    // at 2G speed) and keep the complaint for the next one.
    const abort = typeof AbortController === "function" ? new AbortController() : null;
    const timer = abort ? setTimeout(() => abort.abort(), 30000 + Math.ceil(text.length / 16384) * 1000) : 0;
    let response;
    try {
      response = await root.fetch(entry.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: text,
        credentials: "same-origin", // a kiosk's device cookie; phones need none
        cache: "no-store",
        signal: abort ? abort.signal : undefined,
      });
    } catch (_err) {
      clearTimeout(timer);
      await idb.set(entry.key, entry, stores.queue);
      announce({ type: "pending", key: entry.key, offline: true });
      return "offline";
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    clearTimeout(timer);
    if (response.ok && data && data.number) {
      await delivered(entry, data);
      return "delivered";
    }
    const retry = response.status >= 500 || response.status === 408 || response.status === 429 || !data;
    if (retry) {
      const after = Number.parseInt(response.headers.get("Retry-After") || "", 10);
      entry.retry_at = response.status === 429 && after > 0 ? new Date(Date.now() + after * 1000).toISOString() : null;
      await idb.set(entry.key, entry, stores.queue);
      announce({ type: "pending", key: entry.key, status: response.status });
      return "pending";
    }
    entry.state = "failed";
    entry.status = response.status;
    entry.errors = data.errors && typeof data.errors === "object" ? data.errors : { _: data.error || String(response.status) };
    entry.conflict = Boolean(data.conflict);
    if (entry.kind === "kiosk" && data.kept === true) {
      // The server keeps the refused report for the office's officers: this
      // shared lobby device keeps no personal data, only what stops its leased
      // number being printed again (leases.take skips numbers in the queue).
      const kept = {
        key: entry.key,
        kind: entry.kind,
        leased_number: entry.leased_number,
        state: "failed",
        status: response.status,
        reasons: Object.keys(entry.errors),
        kept: true,
        conflict: entry.conflict,
        errors: null,
        payload: null,
        photo: null,
        queued_at: entry.queued_at,
        last_try: entry.last_try,
      };
      await idb.set(entry.key, kept, stores.queue);
      announce({ type: "failed", key: entry.key, reasons: kept.reasons, kept: true });
      return "failed";
    }
    await idb.set(entry.key, entry, stores.queue);
    announce({ type: "failed", key: entry.key, errors: entry.errors, conflict: entry.conflict });
    return "failed";
  }

  async function delivered(entry, data) {
    const result = {
      key: entry.key,
      number: data.number,
      receipt_url: data.receipt_url || null,
      tracking_url: data.tracking_url || null,
      date: data.submitted_at || entry.payload.created_at || now(),
      category: data.category || "",
      office: data.office || "",
    };
    if (entry.kind === "phone") {
      // "Laporan saya": the number and links only, never the answers.
      await idb.set(result.number, result, stores.mine);
      const draft = await idb.get("current", stores.draft);
      if (draft && draft.key === entry.key) await idb.del("current", stores.draft);
    }
    await remove(entry.key); // the answers and photo leave the device now
    announce({ type: "delivered", key: entry.key, result });
  }

  /* While a page is open and something waits (the server was down, not the
     network): try again, less and less often, up to every 10 minutes. */
  let retryTimer = 0;
  let retryDelay = 15000;

  function scheduleRetry(summary) {
    if (!isWindow) return;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = 0;
    if (!summary.pending.length) {
      retryDelay = 15000;
      return;
    }
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      flush().catch(() => undefined);
    }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10 * 60 * 1000);
  }

  /* ---------------------------------------------------- a phone's delivered */

  const mine = {
    async list() {
      return (await idb.values(stores.mine)).sort((a, b) => String(b.date).localeCompare(String(a.date)));
    },
    async forget() {
      await idb.clear(stores.mine);
    },
  };

  /* --------------------------------------------------------- a phone's draft */

  const draft = {
    get: () => idb.get("current", stores.draft),
    set: (value) => idb.set("current", value, stores.draft),
    clear: () => idb.del("current", stores.draft),
  };

  /* ------------------------------------------------- a kiosk's leased numbers */

  const leases = {
    get: (code) => idb.get(code, stores.leases),

    /* The server's unused numbers for this kiosk, minus those already used
       here offline (queued, not delivered yet: the server still lists them). */
    async store(code, data) {
      const used = new Set((await all()).map((e) => e.leased_number).filter(Boolean));
      const numbers = (data.numbers || []).filter((n) => n && n.number && !used.has(n.number));
      const record = { numbers, office: data.office || null, updated_at: now() };
      await idb.set(code, record, stores.leases);
      return record;
    },

    /* Take the next number (or null): under a lock, so two screens never print
       one twice; not the queue's lock, which a slow flush may hold. */
    take(code) {
      return exclusive(LEASE_LOCK, async () => {
        const record = await idb.get(code, stores.leases);
        if (!record || !record.numbers || !record.numbers.length) return null;
        const used = new Set((await all()).map((e) => e.leased_number).filter(Boolean));
        let next = record.numbers.shift();
        while (next && used.has(next.number)) next = record.numbers.shift();
        await idb.set(code, record, stores.leases);
        return next || null;
      });
    },
  };

  /* --------------------------------------------------------------- triggers */

  if (isWindow) {
    root.addEventListener("online", () => {
      flush().catch(() => undefined);
    });
    // App start: whatever waits from last time.
    setTimeout(() => flush().catch(() => undefined), 0);
  }

  root.KiosQueue = {
    add,
    all,
    get,
    remove,
    status,
    flush,
    requestSync,
    uuid,
    on(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    mine,
    draft,
    leases,
    SYNC_TAG,
  };
})(typeof self !== "undefined" ? self : this);
