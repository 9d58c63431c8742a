"""A demo complaint history for `flask seed` (with --demo, its default), so that
a fresh machine shows a living product: the monitoring dashboard, the officers'
queue and /lacak/<number> have something to show.

Only on a database that holds no complaint yet: running `make run` again adds
nothing, and a database with real complaints is never touched (production runs
`flask seed --no-demo` anyway, deploy/README.md).

Built on the synthetic generator of the benchmarks (backend/monitoring/
synthetic.py: the spread over offices, channels, categories, office hours, CRM
states and follow-up times), then made real:

- numbers in the real format from the per-office, per-year counters
  (numbering.allocate, the year of each complaint's own WIB date), so a later
  submission or a kiosk's leased block never collides with one;
- Indonesian descriptions and addresses per category; most reports anonymous
  or confidential, the named ones with made-up names ("Warga Contoh 12"), no
  phone and no NIK;
- each complaint's timeline as intake, the relay and the status sync write it;
- the delivered ones are entered into the CRM stand-in's store
  (STANDIN_DATABASE) with the same history, under numbers from its own day
  counters: the status sync finds nothing to change, a status set on the
  stand-in's admin page reaches the complaint, and the stand-in never gives
  one of these numbers to another record;
- the newest few wait in the outbox, so the relay delivers them through the
  stand-in when `make run` starts (live deliveries on the dashboard);
- heartbeats of the kiosks over the same days, for the kiosk panel, and now
  and then a citizen at one calling an officer, mostly answered within minutes;
- the Mayor's office's duty roster (load_demo_roster): the sections of the
  Sekretariat Kota taking turns, this month and the next, when none is set up.
"""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import insert, select

from backend import numbering, roster, routing, workdays
from backend.kiosks import HelpAnswer
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import (
    Category, Complaint, DutySection, Kiosk, KioskHelpCall, KioskUptime, Office, StatusEvent, utcnow,
)
from backend.monitoring import rollup
from backend.offices import KOTA_CODE
from backend.monitoring.synthetic import Context, generate, insert_complaints
from backend.statuses import Identity, Status, info
from backend.workdays import WIB

DEFAULT_COUNT = 600
DEFAULT_DAYS = 60
LIVE = 5  # the newest complaints, left in the outbox for the relay to deliver
GIVEN_UP_DELIVERED = 0.8  # the share of the generator's given-up rows (3 %) the demo delivers after all
SEED = 2026

# Where CRM statuses go, in order (design.md: the kelurahan first, the agency,
# then the Biro Pemerintahan validates the follow-up). Koordinasi is often skipped.
_STEPS = (Status.MENUNGGU, Status.KOORDINASI, Status.DISPOSISI, Status.PROSES, Status.MENUNGGU_VALIDASI)
_OPEN = (Status.MENUNGGU, Status.MENUNGGU_VALIDASI, Status.KOORDINASI, Status.DISPOSISI, Status.PROSES,
         Status.TL_DITOLAK)

# Streets of each kecamatan (the KK of the office code), for plausible addresses.
STREETS = {
    "01": ("Jl. Tebet Raya", "Jl. Tebet Barat Dalam", "Jl. Saharjo", "Jl. Prof. Dr. Soepomo", "Jl. Casablanca",
           "Jl. KH Abdullah Syafei"),
    "02": ("Jl. HR Rasuna Said", "Jl. Karet Pasar Baru Barat", "Jl. Setiabudi Tengah", "Jl. Menteng Atas Selatan",
           "Jl. Guntur", "Jl. Minangkabau Timur"),
    "03": ("Jl. Mampang Prapatan Raya", "Jl. Kemang Selatan", "Jl. Bangka Raya", "Jl. Tegal Parang Utara",
           "Jl. Kapten Tendean", "Jl. Pela Mampang"),
    "04": ("Jl. Raya Pasar Minggu", "Jl. Raya Ragunan", "Jl. Jati Padang Raya", "Jl. Kebagusan Raya",
           "Jl. Pejaten Raya", "Jl. Cilandak Timur"),
    "05": ("Jl. Ciledug Raya", "Jl. Kebayoran Lama Raya", "Jl. Pos Pengumben", "Jl. Cipulir Raya",
           "Jl. Pondok Pinang", "Jl. Arteri Permata Hijau"),
    "06": ("Jl. RS Fatmawati", "Jl. TB Simatupang", "Jl. Cilandak KKO", "Jl. Lebak Bulus Raya", "Jl. Cipete Raya",
           "Jl. Gandaria Selatan"),
    "07": ("Jl. Panglima Polim", "Jl. Wolter Monginsidi", "Jl. Senopati", "Jl. Radio Dalam", "Jl. Gandaria Tengah",
           "Jl. Pakubuwono"),
    "08": ("Jl. Kalibata Raya", "Jl. Duren Tiga Raya", "Jl. Pengadegan Timur", "Jl. Rawajati Timur",
           "Jl. Cikoko Barat", "Jl. Pancoran Barat"),
    "09": ("Jl. Moh. Kahfi I", "Jl. Raya Lenteng Agung", "Jl. Srengseng Sawah", "Jl. Raya Tanjung Barat",
           "Jl. Ciganjur Raya", "Jl. Jagakarsa Raya"),
    "10": ("Jl. Veteran Raya", "Jl. Bintaro Permai", "Jl. Pesanggrahan Raya", "Jl. Ulujami Raya",
           "Jl. Swadarma Raya", "Jl. Petukangan Utara"),
}
LANDMARKS = ("dekat masjid", "depan sekolah dasar", "seberang minimarket", "samping pos RW", "dekat halte",
             "depan puskesmas", "di mulut gang", "dekat jembatan", "depan kantor pos", "samping lapangan")

# What citizens write, per category (categories.csv); a few of each.
DESCRIPTIONS = {
    "JALAN_RUSAK": ("Jalan berlubang cukup dalam, sudah beberapa motor jatuh saat hujan.",
                    "Aspal amblas sekitar dua meter, kendaraan harus melambat dan bikin macet.",
                    "Jalan bergelombang setelah galian kabel tidak ditutup rapi."),
    "TROTOAR_RUSAK": ("Ubin trotoar pecah dan lepas, pejalan kaki harus turun ke jalan.",
                      "Ubin pemandu tunanetra rusak dan terputus di depan toko.",
                      "Trotoar berlubang dekat saluran, berbahaya untuk lansia dan anak sekolah."),
    "LAMPU_JALAN": ("Lampu jalan mati sudah seminggu, malam hari gelap sekali dan rawan.",
                    "Tiga tiang lampu berturut-turut padam, warga takut lewat setelah magrib.",
                    "Lampu jalan berkedip terus dan kadang mati total."),
    "KABEL": ("Kabel menjuntai rendah melintang jalan, hampir tersangkut truk.",
              "Gulungan kabel bekas ditinggal di tiang dan menutupi trotoar.",
              "Tiang kabel miring setelah tertabrak, kabelnya menggantung."),
    "PARKIR_LIAR": ("Mobil parkir di bahu jalan dua lapis setiap sore, jalan jadi satu lajur.",
                    "Parkir liar di depan ruko menutup akses ambulans ke gang.",
                    "Juru parkir liar menarik tarif di trotoar depan minimarket."),
    "LAMPU_LALIN": ("Lampu lalu lintas di persimpangan mati sejak pagi, kendaraan saling serobot.",
                    "Lampu hijau untuk pejalan kaki tidak menyala.",
                    "Lampu merah berkedip kuning terus, persimpangan jadi rawan tabrakan."),
    "RAMBU_MARKA": ("Rambu dilarang parkir roboh dan tergeletak di trotoar.",
                    "Marka zebra cross sudah pudar, pengendara tidak berhenti untuk penyeberang.",
                    "Rambu petunjuk arah tertutup dahan pohon."),
    "KEMACETAN": ("Macet parah setiap jam pulang kantor karena putar balik liar.",
                  "Antrean kendaraan masuk stasiun meluber sampai jalan raya.",
                  "Angkot ngetem lama di mulut jalan dan menyebabkan kemacetan."),
    "PKL": ("Pedagang kaki lima memenuhi trotoar sehingga pejalan kaki turun ke jalan.",
            "Lapak PKL berdiri di atas saluran air dan menutupinya.",
            "Gerobak pedagang ditinggal di trotoar semalaman."),
    "REKLAME": ("Spanduk liar dipasang di pagar jembatan dan menutupi pandangan pengendara.",
                "Baliho tanpa izin miring dan rawan roboh kena angin.",
                "Banyak selebaran ditempel di tiang listrik dan halte."),
    "ROKOK": ("Banyak orang merokok di dalam area puskesmas meski ada larangan.",
              "Pengunjung merokok di ruang tunggu kantor kelurahan.",
              "Sopir merokok di halte yang ada tanda dilarang merokok."),
    "KEBISINGAN": ("Suara musik keras dari kafe sampai lewat tengah malam setiap akhir pekan.",
                   "Bengkel bekerja dengan mesin bising sampai larut malam.",
                   "Knalpot brong sering lewat malam hari dan membangunkan warga."),
    "POHON": ("Pohon besar condong ke jalan dan akarnya mengangkat trotoar, rawan tumbang.",
              "Dahan patah tersangkut di kabel setelah hujan angin.",
              "Pohon tumbang menutup separuh jalan sejak semalam."),
    "TAMAN_RUSAK": ("Ayunan di taman rusak dan besinya tajam, berbahaya untuk anak-anak.",
                    "Rumput taman tidak terawat dan banyak sampah berserakan.",
                    "Lampu taman mati dan bangku taman patah."),
    "SALURAN": ("Saluran air tersumbat sampah dan lumpur, air meluap ke jalan saat hujan.",
                "Got mampet dan berbau, banyak jentik nyamuk.",
                "Saluran depan rumah warga tidak mengalir sejak ada pengecoran jalan."),
    "TUTUP_SALURAN": ("Tutup saluran hilang, lubang terbuka di pinggir jalan.",
                      "Tutup got beton pecah, roda motor bisa terperosok.",
                      "Besi penutup saluran lepas dan bergeser ke tengah jalan."),
    "BANJIR": ("Genangan setinggi lutut setiap hujan deras, surut lebih dari tiga jam.",
               "Air masuk ke rumah warga di RT kami saat hujan semalam.",
               "Jalan tergenang dan motor mogok, pompa air tidak berfungsi."),
    "KALI": ("Tanggul kali retak dan tanahnya longsor ke arah rumah warga.",
             "Kali dangkal karena lumpur, air meluap saat hujan.",
             "Turap kali ambrol sepanjang beberapa meter."),
    "SAMPAH": ("Sampah menumpuk di TPS dan belum diangkut tiga hari, bau menyengat.",
               "Warga membuang sampah di lahan kosong, sudah menggunung.",
               "Tong sampah di pinggir jalan penuh dan sampah tercecer."),
    "SAMPAH_KALI": ("Sampah plastik menumpuk di pintu air kali.",
                    "Banyak kasur dan sampah besar dibuang ke kali.",
                    "Sampah tersangkut di bawah jembatan dan menghambat aliran."),
    "PENCEMARAN": ("Asap pembakaran sampah setiap sore masuk ke rumah warga.",
                   "Limbah cair dari usaha laundry dibuang ke saluran, airnya berbusa.",
                   "Bau menyengat dari tempat usaha di lingkungan permukiman."),
    "ORANG_TELANTAR": ("Ada lansia tidur di halte beberapa hari dan tampak sakit.",
                       "Orang dengan gangguan jiwa berkeliaran di jalan raya, membahayakan dirinya.",
                       "Anak-anak mengemis di persimpangan sampai malam."),
    "HEWAN": ("Ada ular masuk ke pekarangan rumah warga.",
              "Anjing liar berkeliaran dan mengejar anak-anak sekolah.",
              "Sarang tawon besar di pohon dekat taman bermain."),
    "BANGUNAN_IZIN": ("Ada bangunan bertambah lantai tanpa papan izin dan materialnya di jalan.",
                      "Bangunan baru berdiri di atas saluran air.",
                      "Renovasi rumah memakan badan jalan dan trotoar."),
    "RUSUN": ("Lift rusun mati sejak seminggu, warga lansia kesulitan naik.",
              "Atap rusun bocor dan air merembes ke unit warga.",
              "Pompa air rusun rusak, air tidak mengalir ke lantai atas."),
    "TRANSJAKARTA": ("Bus TransJakarta jarang datang, penumpang menunggu lebih dari 30 menit.",
                     "Pintu halte TransJakarta rusak dan tidak bisa ditutup.",
                     "Jembatan penyeberangan ke halte licin dan lampunya mati."),
    "PASAR": ("Atap pasar bocor dan lorong pasar becek.",
              "Saluran di pasar tersumbat dan bau menyengat.",
              "Tangga pasar rusak dan penerangan kurang."),
    "LAINNYA": ("Fasilitas umum di lingkungan kami rusak dan belum ada perbaikan.",
                "Mohon ditinjau kondisi lingkungan yang kurang aman di malam hari.",
                "Papan informasi kelurahan rusak dan tidak terbaca."),
}
GENERIC = "Mohon ditindaklanjuti, kondisi ini sudah dikeluhkan warga sejak lama."


# The sections (bagian) of the Sekretariat Kota whose heads take turns at the
# Mayor's office's desk (Instruction e-0006/2024, 1a); demo data: the real
# list is kept in the console (Jadwal piket > Bagian).
SECTIONS = ("Bagian Pemerintahan", "Bagian Perekonomian dan Pembangunan", "Bagian Kesejahteraan Rakyat",
            "Bagian Hukum", "Bagian Kepegawaian, Ketatalaksanaan dan Pelayanan Publik", "Bagian Umum dan Protokol")


def load_demo_roster(now: datetime | None = None) -> int:
    """Sections in turn on the working days of this month and the next (WIB),
    only when no section exists yet; commits. Returns the days filled."""
    if db.session.scalar(select(DutySection.id).limit(1)) is not None:
        return 0
    sections = [DutySection(name=name, sort=i) for i, name in enumerate(SECTIONS)]
    db.session.add_all(sections)
    db.session.flush()
    today = roster.today_wib(now)
    calendar = workdays.calendar_for(KOTA_CODE)
    filled = 0
    for year, month in ((today.year, today.month), (today.year + (today.month == 12), today.month % 12 + 1)):
        filled += roster.fill_rotation(year, month, calendar, sections)
    db.session.commit()
    return filled


def has_complaints() -> bool:
    return db.session.scalar(select(Complaint.id).limit(1)) is not None


def load_demo_complaints(n: int = DEFAULT_COUNT, *, days: int = DEFAULT_DAYS, now: datetime | None = None,
                         seed: int = SEED) -> int:
    """Create n demo complaints over the last `days` days, up to `now`; commits.

    Returns how many were created: 0 when n is 0 or the database already
    holds complaints."""
    if n <= 0 or has_complaints():
        return 0
    now = (now or utcnow()).astimezone(timezone.utc).replace(microsecond=0)
    start = now - timedelta(days=days)
    rng = random.Random(seed)
    ctx = Context.load()
    pairs = sorted(generate(n, start, now, seed=seed, now=now, ctx=ctx), key=lambda p: p[0]["submitted_at"])
    dress = _Dresser(ctx, rng)
    # Ids in the order of submission, as intake would have given them.
    ids, outbox_ids = sorted(r["id"] for r, _ in pairs), sorted(o["id"] for _, o in pairs)
    histories: dict[int, list[tuple[Status, datetime]]] = {}
    for i, ((row, outbox), cid, oid) in enumerate(zip(pairs, ids, outbox_ids)):
        row["id"], outbox["id"], outbox["complaint_id"] = cid, oid, cid
        row["idempotency_key"] = f"demo-{ctx.run}-{cid}"
        dress(row)
        live = i >= len(pairs) - LIVE
        history = _crm_outcome(row, outbox, rng, now, live)
        if history:
            histories[cid] = history
    if not _number(pairs, dress.office_code):
        return 0  # a complaint arrived meanwhile
    _enter_into_standin([row for row, _ in pairs if row["id"] in histories], histories, dress)
    insert_complaints(pairs, rebuild_rollups=False)
    db.session.execute(insert(StatusEvent.__table__), _events(pairs, histories))
    _kiosk_heartbeats(start, now, rng)
    _kiosk_help_calls(start, now, rng)
    db.session.commit()
    rollup.rebuild()
    return len(pairs)


class _Dresser:
    """What the generator leaves plain: text, place, reporter, kiosk, routing, office hours."""

    def __init__(self, ctx: Context, rng: random.Random):
        self.rng = rng
        self.office_code = {oid: code for code, (oid, _kind, _parent) in ctx.offices.items()}
        self.offices = {o.id: o for o in db.session.scalars(select(Office))}
        self.categories = {c.id: c for c in db.session.scalars(select(Category))}
        self.kiosks: dict[int, int] = {}
        for k in db.session.scalars(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id)):
            self.kiosks.setdefault(k.office_id, k.id)
        self._routes: dict[tuple[int, int], routing.Route] = {}
        self.named = 0

    def __call__(self, row: dict) -> None:
        rng = self.rng
        category = self.categories[row["category_id"]]
        kelurahan_code = self.office_code[row["kelurahan_id"]]
        row["description"] = rng.choice(DESCRIPTIONS.get(category.code, (GENERIC,)))
        if rng.random() < 0.3:
            row["description"] += " " + GENERIC
        street = rng.choice(STREETS.get(kelurahan_code[:2], STREETS["01"]))
        row["address"] = f"{street} No. {rng.randint(1, 150)}"
        if rng.random() < 0.5:
            row["address"] += f", {rng.choice(LANDMARKS)}"
        if rng.random() < 0.7:
            row["rt"], row["rw"] = f"{rng.randint(1, 15):03d}", f"{rng.randint(1, 12):03d}"
        roll = rng.random()
        identity = Identity.ANONYMOUS if roll < 0.55 else (Identity.CONFIDENTIAL if roll < 0.8 else Identity.NAMED)
        row["identity"] = identity.value
        row["reporter_name"] = row["reporter_phone"] = row["reporter_email"] = row["reporter_nik"] = None
        if identity != Identity.ANONYMOUS:
            self.named += 1
            row["reporter_name"] = f"Warga Contoh {self.named}"
            if rng.random() < 0.5:  # a reserved domain (RFC 2606): nobody's real address
                row["reporter_email"] = f"warga.contoh{self.named}@contoh.example"
        if row["channel"] == "kiosk":
            row["kiosk_id"] = self.kiosks.get(row["office_id"])
        key = (category.id, row["kelurahan_id"])
        if key not in self._routes:
            self._routes[key] = routing.route(category, self.offices[row["kelurahan_id"]])
        route = self._routes[key]
        row["agency_id"], row["follow_up_office_id"] = route.agency.id, route.follow_up_office.id
        row["in_office_hours"] = workdays.calendar_for(self.office_code[row["office_id"]]).is_open(
            row["submitted_at"])


def _seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _crm_outcome(row: dict, outbox: dict, rng: random.Random, now: datetime,
                 live: bool) -> list[tuple[Status, datetime]]:
    """Make the row's CRM side consistent; returns its CRM status history (empty if not in the CRM).

    Delivered: forwarded, then the CRM's steps up to its status (Selesai
    closes it at its last step). The newest `live` rows wait in the outbox;
    older rows the generator left pending were delivered long since. Manual
    and given-up rows stay as the generator made them, without a CRM number.
    """
    submitted = row["submitted_at"] = row["consent_at"] = row["received_at"] = _seconds(row["submitted_at"])
    outbox.update(created_at=submitted, next_attempt_at=submitted, lease_until=None, leased_by=None)
    if outbox["state"] == "given_up" and rng.random() < GIVEN_UP_DELIVERED:
        outbox["state"] = "delivered"  # a handful to show the alert and the resend, not a city-wide outage
    if live or outbox["state"] in ("manual", "given_up"):
        state = "pending" if live else outbox["state"]
        row.update(status=Status.SUBMITTED.value, forwarded_at=None, crm_number=None, closed_at=None)
        outbox.update(state=state, delivered_at=None, attempts=0 if state == "pending" else outbox["attempts"],
                      last_error=None)
        if state == "given_up":
            outbox.update(attempts=rng.randint(30, 60), last_error="HTTP 503: The CRM is down (POST requests.json)")
        return []
    forwarded = row["forwarded_at"] or submitted + timedelta(seconds=rng.uniform(30, 900))
    forwarded = min(now, max(_seconds(forwarded), submitted + timedelta(seconds=20)))
    closed = row["closed_at"]
    if closed is not None and closed < forwarded + timedelta(hours=2):
        closed = forwarded + timedelta(hours=rng.uniform(2, 30))
    if closed is not None and closed > now:
        closed = None
    final = Status.SELESAI if closed else (Status(row["status"]) if row["status"] in _OPEN else rng.choice(_OPEN))
    path = _path(final, rng)
    end = closed or forwarded + (now - forwarded) * rng.uniform(0.1, 0.9)
    if end - forwarded < timedelta(minutes=len(path)):
        path, end = [Status.MENUNGGU], forwarded  # forwarded a moment ago: nothing has happened yet
    times = [forwarded] + sorted(forwarded + (end - forwarded) * rng.random() for _ in path[1:-1])
    if len(path) > 1:
        times.append(end)
    times = [_seconds(t) for t in times]
    for i in range(1, len(times)):  # strictly in order, whole seconds (the CRM's own times have no more)
        times[i] = max(times[i], times[i - 1] + timedelta(seconds=1))
    row.update(forwarded_at=forwarded, status=path[-1].value, crm_number=None,
               closed_at=times[-1] if path[-1] == Status.SELESAI else None)
    outbox.update(state="delivered", delivered_at=forwarded, attempts=max(1, outbox["attempts"]), last_error=None)
    return list(zip(path, times))


def _path(final: Status, rng: random.Random) -> list[Status]:
    if final in (Status.SELESAI, Status.TL_DITOLAK):
        steps = list(_STEPS) if final == Status.TL_DITOLAK or rng.random() < 0.6 else list(_STEPS[:-1])
        steps.append(final)
    else:
        steps = list(_STEPS[:_STEPS.index(final) + 1])
    if final != Status.KOORDINASI and Status.KOORDINASI in steps and rng.random() < 0.5:
        steps.remove(Status.KOORDINASI)
    return steps


def _number(pairs, office_code: dict[int, str]) -> bool:
    """Give each row its number from the office's counter of its WIB year, in
    order of submission; False (nothing taken) if the database holds complaints by now."""
    keys = [(office_code[row["office_id"]], row["submitted_at"].astimezone(WIB).year % 100) for row, _ in pairs]
    with immediate_transaction() as session:
        if has_complaints():
            return False
        connection = session.connection()
        nxt = {key: numbering.allocate(connection, key[0], key[1], count)
               for key, count in sorted(Counter(keys).items())}
    for (row, _outbox), key in zip(pairs, keys):
        row["number"] = numbering.format_number(key[0], key[1], nxt[key])
        nxt[key] += 1
    return True


def _enter_into_standin(rows: list[dict], histories: dict, dress: _Dresser) -> None:
    """The delivered rows as records of the CRM stand-in, with the request the
    relay would have sent (backend/crm/payload.py); their CRM numbers come from it."""
    from backend.crm import payload
    from backend.crm.standin.store import Store

    refs = payload.References(db.session)
    rows = sorted(rows, key=lambda r: r["forwarded_at"])
    records = []
    for row in rows:
        request = payload.build(SimpleNamespace(**row), refs)
        fields = {name: getattr(request, name) for name in
                  ("service_code", "description", "lat", "long", "first_name", "last_name", "email", "phone")}
        fields["address_string"] = request.address_string or None
        fields["service_name"] = dress.categories[row["category_id"]].name_id
        records.append({"fields": fields, "attributes": request.attributes, "idempotency_key": row["idempotency_key"],
                        "requested_at": row["forwarded_at"],
                        "history": [(info(s).crm_name, at, None) for s, at in histories[row["id"]]]})
    store = Store(current_app.config["STANDIN_DATABASE"])
    for row, crm_number in zip(rows, store.import_records(records)):
        row["crm_number"] = crm_number
    store.close_thread_connection()


def _events(pairs, histories: dict) -> list[dict]:
    """The timeline: submitted (intake), forwarded (the relay), then each CRM status (the sync)."""
    out = []
    for row, _outbox in pairs:
        cid = row["id"]
        out.append(dict(complaint_id=cid, status=Status.SUBMITTED.value, at=row["submitted_at"], source="local",
                        note=None))
        if cid in histories:
            out.append(dict(complaint_id=cid, status=Status.FORWARDED.value, at=row["forwarded_at"], source="local",
                            note=None))
            out += [dict(complaint_id=cid, status=s.value, at=at, source="crm", note=None)
                    for s, at in histories[cid]]
    return out


def _kiosk_heartbeats(start: datetime, now: datetime, rng: random.Random) -> None:
    """A beat a KIOSK_HEARTBEAT_SECONDS for every active kiosk that has none yet,
    around the clock, with an outage now and then; its last beat now."""
    kiosks = db.session.scalars(select(Kiosk).where(Kiosk.active.is_(True)).order_by(Kiosk.id)).all()
    beating = set(db.session.scalars(select(KioskUptime.kiosk_id).distinct()))
    full = max(1, 3600 // int(current_app.config.get("KIOSK_HEARTBEAT_SECONDS", 60)))
    first = start.replace(minute=0, second=0)
    rows = []
    for kiosk in kiosks:
        if kiosk.id in beating:
            continue
        hour = first
        while hour <= now:
            beats = full
            if rng.random() < 0.01:
                beats = 0  # a power cut or the office's network down
            elif rng.random() < 0.05:
                beats = rng.randint(full // 2, full - 1)
            if hour + timedelta(hours=1) > now:
                beats = min(beats, int((now - hour).total_seconds()) * full // 3600)
            if beats:
                rows.append(dict(kiosk_id=kiosk.id, hour=hour, beats=beats))
            hour += timedelta(hours=1)
        kiosk.last_heartbeat_at = now
    if rows:
        db.session.execute(insert(KioskUptime.__table__), rows)


def _kiosk_help_calls(start: datetime, now: datetime, rng: random.Random) -> None:
    """Now and then, on a working day's office hours, a citizen at a kiosk calls
    an officer ("Panggil petugas"); most calls are answered within minutes,
    from the desk or by assisted mode, a few never. For kiosks with no calls yet."""
    kiosks = db.session.scalars(select(Kiosk.id).where(Kiosk.active.is_(True)).order_by(Kiosk.id)).all()
    calling = set(db.session.scalars(select(KioskHelpCall.kiosk_id).distinct()))
    rows = []
    day = start.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    while day <= now:
        if day.weekday() < 5:
            for kiosk_id in kiosks:
                if kiosk_id in calling or rng.random() >= 0.15:
                    continue
                asked = day + timedelta(hours=8, minutes=rng.randint(0, 7 * 60))
                if asked > now - timedelta(minutes=30):
                    continue
                answered = rng.random() < 0.9
                wait = timedelta(seconds=rng.randint(60, 15 * 60))
                rows.append(dict(kiosk_id=kiosk_id, requested_at=asked,
                                 answered_at=asked + wait if answered else None,
                                 answered_how=(HelpAnswer.DESK if rng.random() < 0.8 else HelpAnswer.ASSISTED)
                                 if answered else None))
        day += timedelta(days=1)
    if rows:
        db.session.execute(insert(KioskHelpCall.__table__), rows)
