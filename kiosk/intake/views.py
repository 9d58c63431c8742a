"""The intake flow, one question per screen, for kiosks and phones.

start -> category -> location -> description -> identity -> review -> receipt

Answers live in a server-side draft (backend.drafts); the browser holds only
the draft's id in its session. Each screen is a plain form that htmx boosts:
a GET shows it, a POST validates it (422 with the answers kept on error),
saves it to the draft and redirects to the next screen.
"""
from __future__ import annotations

import io
from functools import wraps

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import select

from backend import drafts, intake, workdays
from backend.extensions import csrf, db
from backend.models import Category, CategoryGroup, Kiosk, Office, OfficeKind, utcnow
from backend.photos import CleanPhoto, clean_photo
from backend.statuses import Channel, Identity
from backend.validation import Invalid
from kiosk import devices, receipts
from kiosk.errors import render_error
from kiosk.intake.forms import (
    CategoryForm,
    DescriptionForm,
    IdentityForm,
    LocationForm,
    ResetForm,
    StepForm,
    SubmitForm,
)

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

@bp.url_value_preprocessor
def _pull_kiosk(_endpoint, values):
    code = (values or {}).pop("kiosk_code", None)
    g.kiosk = None
    if request.blueprint == "kiosk":
        g.kiosk = db.session.execute(select(Kiosk).filter_by(code=code)).scalar_one_or_none()
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
    draft = _current_draft()
    office = g.kiosk.office if g.kiosk else _preset_office()
    return render_template(
        "intake/start.html", step="start", draft=draft, office=office, form=StepForm(),
        reset_form=ResetForm(), **office_hours_context(office),
    )


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


@bp.post("/mulai")
def begin():
    form = StepForm()
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
            cfg = current_app.config
            try:
                photo = clean_photo(upload.read(), max_bytes=cfg["PHOTO_MAX_BYTES"],
                                    max_pixels=cfg["PHOTO_MAX_PIXELS"], max_side=cfg["PHOTO_STORED_MAX_SIDE"])
            except Invalid as exc:
                form.photo.errors = [str(exc.message)]
                valid = False
            else:
                drafts.set_photo(draft, photo.data, photo.mime)
        if form.description.normalized if valid else False:
            drafts.save_answers(draft, description=form.description.normalized)
            return _after_edit(draft, "description")
    return render_step("intake/description.html", form=form, has_photo=draft.photo_mime is not None,
                       max_chars=current_app.config["DESCRIPTION_MAX_CHARS"],
                       max_photo_mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024))


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


@bp.post("/kirim")
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
        result = intake.submit(req, draft_id=draft.id)
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
