"""The intake flow, one question per screen, for kiosks and phones.

start -> category -> location -> description -> identity -> review -> receipt

Answers live in a server-side draft (backend.drafts); the browser holds only
the draft's id in its session. Each screen is a plain form that htmx boosts:
a GET shows it, a POST validates it (422 with the answers kept on error),
saves it to the draft and redirects to the next screen.

Phones start at the app shell instead (`GET /lapor/`, shell.html): every
screen in one page built from the same partials, driven by
kiosk/static/js/flow.js, with the draft kept on the phone and the report sent
through the device queue (queue.js) to the JSON API, offline too. Without a
script its start button posts to the server flow above. Kiosks keep the
server flow (a shared kiosk stores no draft); `/k/<code>/luring/` is their
shell for when the network is down (numbers from a leased block).
"""
from __future__ import annotations

import io
from dataclasses import replace
from datetime import datetime, time, timedelta
from functools import wraps
from types import SimpleNamespace

from flask import (
    Blueprint, abort, current_app, flash, g, make_response, redirect, render_template, request, session, url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from PIL import Image
from sqlalchemy import bindparam, select

from backend import drafts, intake, validation, workdays
from backend.database import reads_first
from backend.extensions import csrf, db
from backend.models import Category, CategoryGroup, Kiosk, Office, OfficeKind, utcnow
from backend.photos import CleanPhoto, clean_photo_upload
from backend.statuses import IDENTITY_LABELS, Channel, Identity
from backend.validation import Invalid
from kiosk import devices, receipts
from kiosk.errors import render_error
from kiosk.helpers import DISPLAY, DISPLAY_CHOICES, WIB
from kiosk.intake.forms import (
    CategoryForm,
    DescriptionForm,
    IdentityForm,
    LocationForm,
    ResetForm,
    StepForm,
    SubmitForm,
)
from kiosk.main.views import back_to
from kiosk.tracking import views as tracking

bp = Blueprint("intake", __name__)


@bp.record_once
def _csrf_in_forms(state):
    """Every POST here validates a FlaskForm, which checks the CSRF token
    itself; exempt the views from the global check so that a failed token is
    answered on the same screen with what was typed kept, not a bare 400."""
    for view in (begin, category, location, description, identity, submit, finish, print_receipt):
        csrf.exempt(view)

# The answers each screen needs before it can be shown, in flow order.
STEPS = (
    ("category", ("category",)),
    ("location", ("kelurahan",)),
    ("description", ("description",)),
    ("identity", ("identity", "consent")),
    ("review", ()),
)
STEP_NAMES = [name for name, _ in STEPS]


# --- kiosk or phone ------------------------------------------------------

_KIOSK = select(Kiosk).where(Kiosk.code == bindparam("code"))  # every kiosk request: built once


@bp.url_value_preprocessor
def _pull_kiosk(_endpoint, values):
    code = (values or {}).pop("kiosk_code", None)
    g.kiosk = None
    if request.blueprint == "kiosk":
        g.kiosk = db.session.execute(_KIOSK, {"code": code}).scalar_one_or_none()
        if g.kiosk is None:
            abort(404)
        devices.check(g.kiosk)  # out of service, or not the paired device: a page saying so


@bp.url_defaults
def _push_kiosk(endpoint, values):
    if endpoint.startswith("kiosk.") and "kiosk_code" not in values and g.get("kiosk") is not None:
        values["kiosk_code"] = g.kiosk.code


def _session_key() -> str:
    return f"draft:kiosk:{g.kiosk.code}" if g.kiosk else "draft:phone"


def _current_draft():
    return drafts.load_draft(session.get(_session_key()))


def needs_draft(step: str):
    """Load the draft; send the citizen back to the first unanswered screen."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            draft = _current_draft()
            if draft is None:
                flash(_l("Your previous session has ended. Please start again."), "info")
                return redirect(url_for(".start"))
            if draft.complaint_id is not None:
                return redirect(url_for(".receipt"))
            answers = draft.data or {}
            for name, needed in STEPS:
                if name == step:
                    break
                if any(answers.get(k) in (None, "", False) for k in needed):
                    return redirect(url_for(f".{name}"))
            return view(draft, *args, **kwargs)

        return wrapper

    return decorator


def render_step(template: str, *, status: int = 200, **context):
    form = context.get("form")
    if form is not None and form.errors:
        status = 400 if "csrf_token" in form.errors else 422
    step = template.rsplit("/", 1)[-1].removesuffix(".html")
    return render_template(
        template,
        step=step,
        step_number=STEP_NAMES.index(step) + 1 if step in STEP_NAMES else None,
        step_count=len(STEP_NAMES),
        **context,
    ), status


def _next(step: str):
    return redirect(url_for(f".{STEP_NAMES[STEP_NAMES.index(step) + 1]}"), code=303)


def _after_edit(draft, step: str):
    """From an edit link on the review screen, go back to the review."""
    if request.args.get("from") == "review" and draft.data.get("identity"):
        return redirect(url_for(".review"), code=303)
    return _next(step)


# --- screens -------------------------------------------------------------

@bp.get("/")
def start():
    if g.kiosk is None:
        return _shell()
    draft = _current_draft()
    office = g.kiosk.office if g.kiosk else _preset_office()
    return render_template(
        "intake/start.html", step="start", draft=draft, office=office, form=StepForm(),
        reset_form=ResetForm(), **office_hours_context(office),
    )


@bp.get("/layar-tunggu")
def attract_slides():
    """A kiosk attract screen's slides after the first (intake/_attract.html
    says why they are not in the start page), in the start page's language
    (`?lang=`). Nothing of a session: the kiosk's office, its channels, hours
    and duty section."""
    if g.kiosk is None:
        abort(404)
    lang = request.args.get("lang")
    with force_locale(lang if lang in SHELL_LANGUAGES else _lang()):
        return render_template("intake/_attract_slides.html")


def office_hours_context(office: Office | None) -> dict:
    """Outside office hours: say that the report is still taken, and when it is processed."""
    now = utcnow()
    calendar = workdays.calendar_for(office.code if office else None)
    if calendar.is_open(now):
        return {"office_closed": False}
    return {"office_closed": True, "next_opening": calendar.next_opening(now)}


def _preset_office() -> Office | None:
    code = request.args.get("kantor")
    if not code:
        return None
    return db.session.execute(select(Office).filter_by(code=code)).scalar_one_or_none()


@bp.get("/mulai")
def begin_address():
    # The address a refused start (a stale form, 400) is shown at: the
    # language switch and a reload come back to it by GET.
    return redirect(url_for(".start"), code=303)


@bp.post("/mulai")
def begin():
    # Phones: the start button is on the app shell, which the service worker
    # keeps without a session and so without a CSRF token. Starting a report
    # changes nothing worth forging, and SameSite=Lax keeps another site's
    # post from carrying this session (so it cannot discard a draft here).
    form = StepForm() if g.kiosk else StepForm(meta={"csrf": False})
    if not form.validate_on_submit():
        return render_template("intake/start.html", step="start", draft=None, form=form,
                               office=g.kiosk.office if g.kiosk else None, reset_form=ResetForm()), 400
    old = _current_draft()
    if old is not None:
        drafts.discard(old)
    preset = {}
    office = _preset_office() if not g.kiosk else None
    if office is not None:
        preset["office"] = office.code
        if office.kind == OfficeKind.KELURAHAN:
            preset["kelurahan_default"] = office.code
    draft = drafts.new_draft(g.kiosk, preset)
    session[_session_key()] = draft.id
    return redirect(url_for(".category"), code=303)


@bp.route("/kategori", methods=["GET", "POST"])
@needs_draft("category")
def category(draft):
    groups = db.session.scalars(select(CategoryGroup).order_by(CategoryGroup.sort)).all()
    codes = [c.code for grp in groups for c in grp.categories if c.active]
    form = CategoryForm(codes=codes, data={"category": draft.data.get("category")})
    if form.validate_on_submit():
        drafts.save_answers(draft, category=form.category.data)
        return _after_edit(draft, "category")
    return render_step("intake/category.html", form=form, groups=groups)


def _kelurahan_groups():
    kecamatan = db.session.scalars(
        select(Office).filter_by(kind=OfficeKind.KECAMATAN).order_by(Office.name)
    ).all()
    return [(kec, sorted(kec.children, key=lambda o: o.name)) for kec in kecamatan]


@bp.route("/lokasi", methods=["GET", "POST"])
@needs_draft("location")
def location(draft):
    groups = _kelurahan_groups()
    codes = [kel.code for _kec, kels in groups for kel in kels]
    default = draft.data.get("kelurahan")
    if default is None and g.kiosk and g.kiosk.office.kind == OfficeKind.KELURAHAN:
        default = g.kiosk.office.code
    default = default or draft.data.get("kelurahan_default")
    form = LocationForm(kelurahan_codes=codes, data={
        "kelurahan": default, "address": draft.data.get("address", ""),
        "rt": draft.data.get("rt", ""), "rw": draft.data.get("rw", ""),
    })
    if form.validate_on_submit():
        drafts.save_answers(
            draft, kelurahan=form.kelurahan.data, address=form.address.normalized or "",
            rt=form.rt.normalized or "", rw=form.rw.normalized or "",
        )
        return _after_edit(draft, "location")
    return render_step("intake/location.html", form=form, groups=groups)


@bp.route("/kejadian", methods=["GET", "POST"])
@needs_draft("description")
def description(draft):
    form = DescriptionForm(data={"description": draft.data.get("description", "")})
    if request.method == "POST":
        valid = form.validate_on_submit()
        upload = form.photo.data
        if valid and form.remove_photo.data:
            drafts.set_photo(draft, None, None)
        elif valid and upload and upload.filename:
            try:
                photo = clean_photo_upload(upload.read())
            except Invalid as exc:
                form.photo.errors = [str(exc.message)]
                valid = False
            else:
                drafts.set_photo(draft, photo.data, photo.mime)
        if form.description.normalized if valid else False:
            drafts.save_answers(draft, description=form.description.normalized)
            return _after_edit(draft, "description")
    return render_step("intake/description.html", form=form, has_photo=draft.photo_mime is not None,
                       handoff_url=_handoff_url(draft),
                       max_chars=current_app.config["DESCRIPTION_MAX_CHARS"],
                       max_photo_mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024))


def _handoff_url(draft) -> str | None:
    """Kiosks: the address the QR code for a photo from the citizen's phone
    opens (kiosk/handoff), on the public base URL a phone reaches. A kiosk
    offers no file picker: on a public PC it would open the kiosk's own files."""
    if g.kiosk is None or draft.photo_mime is not None:
        return None
    token = drafts.photo_handoff(draft)
    return current_app.config["PUBLIC_BASE_URL"] + url_for("handoff.upload", token=token)


@bp.get("/foto-ponsel")
def photo_handoff():
    """The kiosk's description screen asks every few seconds whether the
    citizen's phone has sent the photo: the photo panel when it has (or when
    its QR code needs a new token), else 204 (nothing to change)."""
    draft = _current_draft()
    if g.kiosk is None or draft is None:
        abort(404)
    if draft.photo_mime is None and not drafts.handoff_expired(draft):
        return "", 204
    return render_template("intake/_photo_handoff.html", has_photo=draft.photo_mime is not None,
                           handoff_url=_handoff_url(draft))


@bp.post("/foto-ponsel/hapus")
def photo_handoff_remove():
    """Kiosks: the photo from the phone taken off at once (the panel's "Remove
    this photo"), and the QR code back, for another one."""
    draft = _current_draft()
    if g.kiosk is None or draft is None:
        abort(404)
    drafts.set_photo(draft, None, None)
    return render_template("intake/_photo_handoff.html", has_photo=False, handoff_url=_handoff_url(draft))


@bp.get("/foto")
def photo():
    """The draft's photo, for the review screen; never cached."""
    draft = _current_draft()
    if draft is None or draft.photo_mime is None:
        abort(404)
    return current_app.response_class(draft.photo, mimetype=draft.photo_mime)


@bp.route("/identitas", methods=["GET", "POST"])
@needs_draft("identity")
def identity(draft):
    d = draft.data
    form = IdentityForm(data={
        "identity": d.get("identity") or Identity.NAMED.value, "name": d.get("name", ""),
        "phone": d.get("phone_typed", ""), "email": d.get("email", ""), "nik": d.get("nik", ""),
        "consent": d.get("consent", False),
    })
    if form.validate_on_submit():
        anonymous = form.identity.data == Identity.ANONYMOUS
        drafts.save_answers(
            draft,
            identity=form.identity.data,
            name="" if anonymous else (form.name.normalized or ""),
            phone="" if anonymous else (form.phone.normalized or ""),
            phone_typed="" if anonymous else form.phone.data.strip(),
            email="" if anonymous else (form.email.normalized or ""),
            nik="" if anonymous else (form.nik.normalized or ""),
            consent=True,
        )
        return _next("identity")
    return render_step("intake/identity.html", form=form)


def _review_context(draft):
    d = draft.data
    return {
        "answers": d,
        "category": db.session.execute(select(Category).filter_by(code=d.get("category"))).scalar_one_or_none(),
        "kelurahan": db.session.execute(select(Office).filter_by(code=d.get("kelurahan"))).scalar_one_or_none(),
        "has_photo": draft.photo_mime is not None,
    }


@bp.get("/periksa")
@needs_draft("review")
def review(draft):
    form = SubmitForm(data={"idempotency_key": draft.idempotency_key})
    return render_step("intake/review.html", form=form, **_review_context(draft))


# --- a kiosk's own tracking: a citizen back with a receipt, without a phone -----------

KIOSK_TRACK = tracking.Endpoints(lookup="kiosk.track_lookup", detail="kiosk.track_detail")


@bp.get("/lacak")
def track_lookup():
    """The public tracking pages inside the kiosk's screen: its header, footer and
    idle reset, no link out (a phone has /lacak, and is sent there)."""
    if g.kiosk is None:
        return redirect(url_for("tracking.lookup", nomor=request.args.get("nomor")), code=301)
    return tracking.lookup_page(request.args.get("nomor"), KIOSK_TRACK)


@bp.get("/lacak/<number>")
def track_detail(number: str):
    if g.kiosk is None:
        return redirect(url_for("tracking.detail", number=number), code=301)
    return tracking.detail_page(number, KIOSK_TRACK)


@bp.get("/kirim")
def submit_address():
    # The receipt (and a refused review) answer POST /kirim, so a page may be
    # at this address: the language switch and a reload come back to it by
    # GET. The review screen sends on to the receipt once the report is in.
    return redirect(url_for(".review"), code=303)


@bp.post("/kirim")
@reads_first  # reads and the receipt outside the write lock; intake.submit takes it for the write only
def submit():
    draft = _current_draft()
    if draft is None:
        flash(_l("Your previous session has ended. Please start again."), "info")
        return redirect(url_for(".start"), code=303)
    if draft.complaint_id is not None:
        # A double tap or a resubmitted form: the same receipt, never a second complaint.
        return redirect(url_for(".receipt"), code=303)
    form = SubmitForm()
    if not form.validate_on_submit() or form.idempotency_key.data != draft.idempotency_key:
        if not form.errors:
            form.idempotency_key.errors = [str(_l("This form is out of date. Please check your answers and send again."))]
        form.idempotency_key.data = draft.idempotency_key
        return render_step("intake/review.html", form=form, status=400 if form.errors.get("csrf_token") else 409,
                           **_review_context(draft))
    result = _submit(draft, form)
    if not isinstance(result, intake.IntakeResult):
        return result
    # Answer with the receipt itself (the complaint is committed by now): one
    # round trip less for the citizen. A reload re-posts the same key and gets
    # the same receipt; htmx shows the receipt's own URL in the address bar.
    response = _render_receipt(result.complaint, auto_print=bool(g.kiosk and g.kiosk.auto_print))
    response.headers["HX-Push-Url"] = url_for(".receipt")
    return response


def _submit(draft, form):
    d = draft.data
    officer = devices.assisting_officer(g.kiosk)  # assisted mode: the desk channel, the officer recorded
    req = intake.IntakeRequest(
        idempotency_key=draft.idempotency_key,
        channel=Channel.DESK if officer else Channel.KIOSK if g.kiosk else Channel.PHONE,
        officer_id=officer.id if officer else None,
        category_code=d.get("category", ""),
        kelurahan_code=d.get("kelurahan", ""),
        address=d.get("address", ""),
        rt=d.get("rt", ""),
        rw=d.get("rw", ""),
        description=d.get("description", ""),
        identity=d.get("identity", ""),
        consent=bool(d.get("consent")),
        name=d.get("name", ""),
        phone=d.get("phone", ""),
        email=d.get("email", ""),
        nik=d.get("nik", ""),
        language=str(get_locale() or "id"),
        kiosk_code=g.kiosk.code if g.kiosk else None,
        office_code=None if g.kiosk else d.get("office"),
        photo=_draft_photo(draft),
    )
    try:
        result = intake.submit(req, draft_id=draft.id, kiosk=g.kiosk)
        devices.after_submit(g.kiosk, officer, result)  # assisted mode ends with the receipt
        return result
    except intake.IntakeInvalid as exc:
        return render_step("intake/review.html", form=form, status=422, problems=exc.errors,
                           **_review_context(draft))
    except intake.IdempotencyConflict:
        form.idempotency_key.errors = [str(_l("This report was already sent with other answers. Please start a new report."))]
        return render_step("intake/review.html", form=form, status=422, **_review_context(draft))


def _draft_photo(draft):
    if draft.photo_mime is None:
        return None
    with Image.open(io.BytesIO(draft.photo)) as img:
        return CleanPhoto(draft.photo, draft.photo_mime, img.width, img.height)


@bp.get("/tanda-terima")
def receipt():
    draft = _current_draft()
    if draft is None or draft.complaint_id is None:
        return redirect(url_for(".start"))
    return _render_receipt(draft.complaint)


def _render_receipt(complaint, *, auto_print: bool = False):
    # The receipt in the language the citizen reads now (they may switch on this screen).
    return current_app.make_response(
        render_template("intake/receipt.html", step="receipt", complaint=complaint, reset_form=ResetForm(),
                        receipt=receipts.build_receipt(complaint, _lang()), auto_print=auto_print)
    )


def _lang() -> str:
    return str(get_locale() or "id")


# --- the app shell (phones) and the offline shell (kiosks) ---------------------

SHELL_LANGUAGES = ("id", "en")


@bp.get("/luring/")
def luring():
    """A kiosk's offline shell, kept by the service worker when the kiosk's
    start screen asks (kiosk-offline.js) and shown when the network is down."""
    if g.kiosk is None:
        abort(404)
    return _shell()


def _shell():
    """One page with every screen of the flow (shell.html), kept by the
    service worker: so nothing of a session is in it (no CSRF token, no draft,
    no assisted-mode officer) and nothing personal. `?lang=` picks its
    language without a session, as the worker fetches it without cookies."""
    if request.headers.get("HX-Request"):
        # A boosted link: the shell needs its own scripts, so a full page load.
        response = make_response("", 200)
        response.headers["HX-Redirect"] = request.full_path.rstrip("?")
        return response
    lang = request.args.get("lang")
    if lang in SHELL_LANGUAGES and request.headers.get("Sec-Fetch-Mode") == "navigate":
        # A person switched language: the server pages after the shell (the
        # receipt) follow. Never for the worker's own fetches.
        session["lang"] = lang
    if lang not in SHELL_LANGUAGES:
        lang = "id" if g.kiosk else _lang()
    with force_locale(lang):
        return render_template("intake/shell.html", **_shell_context(lang))


def _shell_context(lang: str) -> dict:
    cfg = current_app.config
    office = g.kiosk.office if g.kiosk else _preset_office()
    no_csrf = {"meta": {"csrf": False}, "formdata": None}
    category_groups = db.session.scalars(select(CategoryGroup).order_by(CategoryGroup.sort)).all()
    kelurahan_groups = _kelurahan_groups()
    forms = {
        "category": CategoryForm(**no_csrf),
        "location": LocationForm(**no_csrf),
        "description": DescriptionForm(**no_csrf),
        "identity": IdentityForm(**no_csrf, data={"identity": Identity.NAMED.value}),
    }
    now = utcnow()
    hours = office_hours_context(office)
    tomorrow = datetime.combine(now.astimezone(WIB).date() + timedelta(days=1), time(), tzinfo=WIB)
    default_kelurahan = None
    if g.kiosk and g.kiosk.office.kind == OfficeKind.KELURAHAN:
        default_kelurahan = g.kiosk.office.code
    data = {
        "kind": "kiosk" if g.kiosk else "phone",
        "lang": lang,
        "office": None if g.kiosk else (office.code if office else None),
        "default_kelurahan": default_kelurahan,
        "urls": _shell_urls(),
        "limits": {
            "description_min": validation.DESCRIPTION_MIN,
            "description_max": cfg["DESCRIPTION_MAX_CHARS"],
            "address_max": validation.ADDRESS_MAX,
            "name_max": validation.NAME_MAX,
            "photo_max_bytes": cfg["PHOTO_MAX_BYTES"],
            "photo_max_side": cfg["PHOTO_STORED_MAX_SIDE"],
        },
        "messages": {k: str(v) for k, v in SHELL_MESSAGES.items()},
        "identity_labels": {i.value: str(label) for i, label in IDENTITY_LABELS.items()},
        "kelurahan": {kel.code: [kel.title, kec.title] for kec, kels in kelurahan_groups for kel in kels},
    }
    if g.kiosk:
        data["kiosk"] = {"code": g.kiosk.code, "auto_print": bool(g.kiosk.auto_print)}
    return {
        "shell": True,
        "step": "shell",
        # The progress bar's first state; flow.js moves it.
        "step_number": 1,
        "step_count": len(STEP_NAMES),
        "office": office,
        "form": None,
        "forms": forms,
        "category_groups": category_groups,
        "kelurahan_groups": kelurahan_groups,
        "max_chars": cfg["DESCRIPTION_MAX_CHARS"],
        "max_photo_mb": cfg["PHOTO_MAX_BYTES"] // (1024 * 1024),
        "has_photo": False,
        # Notices true for some hours only (the office is closed, today's duty):
        # not in the copy the service worker keeps (fetched without cookies, not
        # a navigation), where they would be wrong later and would change the
        # precache version, hence an "update" prompt, whenever the office opens.
        "show_dated": bool(g.kiosk) or bool(request.cookies) or request.headers.get("Sec-Fetch-Mode") == "navigate",
        "duty_valid_until": tomorrow.isoformat(),
        "shell_data": data,
        "receipt_template": _placeholder_receipt(lang) if g.kiosk else None,
        "placeholder_qr": PLACEHOLDER_QR,
        **hours,
    }


def _shell_urls() -> dict:
    root = request.script_root
    if g.kiosk:
        base = f"{root}/k/{g.kiosk.code}"
        return {"submit": f"{base}/api/laporan", "numbers": f"{base}/api/nomor",
                "start": url_for(".start"), "shell": url_for(".luring"), "finish": url_for(".finish")}
    return {"submit": f"{root}/api/v1/laporan", "track": f"{root}/api/v1/lacak/",
            "start": url_for(".start"), "mine": url_for("main.mine")}


# The rules flow.js checks before anything is sent (the server checks them
# again): the same messages as the forms and backend.validation, as patterns.
SHELL_MESSAGES = {
    "required": _l("Please fill this in."),
    "too_long": _l("Too long: at most %(n)d characters (now %(m)d)."),
    "too_short": _l("Please write a little more: at least %(n)d characters."),
    "category": _l("Choose what your report is about."),
    "kelurahan": _l("Choose a kelurahan in South Jakarta from the list."),
    "rt_rw": _l("RT and RW are numbers of up to 3 digits, for example 005."),
    "phone": _l("Write an Indonesian phone number that starts with 08 or +62, for example 0812 3456 7890."),
    "email": _l("This email address is not complete. Check it, for example nama@contoh.id."),
    "nik": _l("A NIK has exactly 16 digits, as on your KTP."),
    "identity": _l("Choose how you want to report."),
    "consent": _l("Please read the privacy notice and tap to agree before sending."),
    "photo_size": _l("This photo is too large (at most %(mb)d MB). Choose a smaller photo."),
    "photo_format": _l("Only photos in JPEG, PNG or WebP format can be sent."),
    "photo_unreadable": _l("This file is not a photo we can open. Send a JPEG, PNG or WebP photo."),
    "step": _l("Step %(n)d of %(total)d"),
    "kelurahan_name": _l("Kelurahan %(name)s"),
    "conflict": _l("This report was already sent with other answers. Please start a new report."),
    "no_number": _l("This kiosk has no complaint numbers left to give while the connection is down. "
                    "Please report at the service desk, or from your phone."),
}


def _placeholder_receipt(lang: str):
    """The kiosk's receipt (the one partial of printing/, as online) with
    placeholders like [[number]] that kiosk-offline.js fills from the answers
    and the leased number; the QR code comes with the lease."""
    kiosk = g.kiosk
    kelurahan = SimpleNamespace(name="[[kelurahan]]", title="[[place]]", kind=OfficeKind.KELURAHAN, parent=None)
    complaint = SimpleNamespace(
        number="[[n1]]-[[n2]]-[[n3]]-[[n4]]", language=lang, office=kiosk.office, kelurahan=kelurahan,
        category=SimpleNamespace(name_id="[[category]]", name_en="[[category]]"), channel=Channel.KIOSK.value,
        identity=Identity.ANONYMOUS.value, reporter_name=None, address="", rt="", rw="", crm_number=None,
        submitted_at=utcnow(),
    )
    data = receipts.build_receipt(complaint, lang)
    return replace(
        data, received_at="[[received_at]]", follow_up_by="[[follow_up_by]]", place="[[place]]",
        location="[[location]]", identity_label="[[reporter]]", reporter_name=None,
        tracking_url=data.tracking_url.rsplit("/", 1)[0] + "/[[number]]",
    )


PLACEHOLDER_QR = Markup('<span class="qr-slot" data-receipt-qr></span>')


# --- the receipt on paper ----------------------------------------------------

PDF_SIZES = ("a6", "a4")  # phones; the kiosk prints the page itself (or ESC/POS)


@bp.get("/tanda-terima.pdf")
def receipt_pdf():
    """This session's receipt as a PDF: A6 (phones' default) or A4.

    Bound to the session's draft like the receipt screen: no URL of its own
    opens a receipt (which may carry a name) without that session.
    """
    draft = _current_draft()
    if draft is None or draft.complaint_id is None:
        return redirect(url_for(".start"))
    size = (request.args.get("ukuran") or "a6").strip().lower()
    if size not in PDF_SIZES:
        return render_error(400, _l("This paper size is not available. Choose A6 or A4."))
    complaint = draft.complaint
    pdf = receipts.receipt_pdf_for(complaint, size, _lang())
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{receipts.pdf_filename(complaint, size)}"'
    return response


@bp.post("/cetak")
def print_receipt():
    """ESC/POS kiosks: the server sends the receipt to the kiosk's printer.

    Whatever the printer does, the complaint is stored and its receipt stays
    on the screen; a failure says so and offers the phone instead.
    """
    if g.kiosk is None or g.kiosk.print_path != "escpos":
        abort(404)
    draft = _current_draft()
    if draft is None or draft.complaint_id is None:
        return redirect(url_for(".start"), code=303)
    if not StepForm().validate_on_submit():
        flash(_l("This screen was open too long. Please tap “Print receipt” again."), "error")
        return redirect(url_for(".receipt"), code=303)
    error = receipts.print_at_kiosk(g.kiosk, draft.complaint, _lang())
    if error is None:
        flash(_l("Your receipt is being printed. Please take it from the kiosk’s printer."), "success")
    else:
        flash(_l("The receipt could not be printed. Your report is saved with the number below: "
                 "scan the QR code with your phone to keep it, or photograph this screen."), "error")
    return redirect(url_for(".receipt"), code=303)


@bp.post("/tampilan")
def display():
    """Kiosks: a display choice of the citizen at the screen (kiosk/helpers.py
    DISPLAY_CHOICES): larger text, since a kiosk blocks pinch zoom (a zoomed
    screen would stay zoomed for the next citizen); the content lowered
    within reach. It lives in the session: Finish and the idle reset, which
    clear the session, give the next citizen the usual screen. Phones have
    their own zoom and are held in the hand."""
    if g.kiosk is None:
        abort(404)
    choice = request.form.get("choice")
    if choice not in DISPLAY_CHOICES:
        abort(400)
    chosen = set(session.get(DISPLAY) or ()) - {choice}
    if request.form.get("on") == "1":
        chosen.add(choice)
    session[DISPLAY] = sorted(chosen)
    return redirect(back_to(request.form.get("next")), code=303)


@bp.post("/selesai")
def finish():
    """Wipe this citizen's session on the server: the idle timer and 'Finish' post here."""
    form = ResetForm()
    if not form.validate_on_submit():
        # Even with a stale token, forgetting is always safe on a shared kiosk.
        current_app.logger.info("reset with an invalid CSRF token; resetting anyway")
    draft = _current_draft()
    if draft is not None:
        drafts.discard(draft)
    session.clear()
    return redirect(url_for(".start"), code=303)
