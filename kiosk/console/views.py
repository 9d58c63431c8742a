"""Console: login and logout, the office queue, a complaint's detail (personal
data, audited), reprinting the receipt, CRM delivery (re-send, manual entry),
the citizen's requests about their data (correct, erase), assisted intake and
the officer's own account."""
from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend import aliases, auth, delivery_refusals, intake, privacy, retention, workdays
from backend.crm import manual as crm_manual
from backend import kiosks as kiosk_rules
from backend.crm import outbox as crm_outbox
from backend.extensions import csrf, db
from backend.models import Category, CategoryGroup, Complaint, Kiosk, Office, OfficeKind, OutboxItem, utcnow
from backend.monitoring.scope import DAYS_OUT_OF_RANGE
from backend.numbering import NumberError, parse_number
from backend.statuses import CHANNEL_LABELS, STATUSES, Channel, Identity
from backend.workdays import WIB
from kiosk.console import access
from kiosk.console.access import SESSION_KEY, public, requires
from kiosk.console.forms import uploaded_photo
from kiosk.console.forms import AccountPasswordForm, AccountPinForm, AssistedIntakeForm, CrmNumberForm, LoginForm, \
    PostForm, QueueFilter, ReporterCorrectionForm, ReporterErasureForm, opts

bp = Blueprint("console", __name__)
csrf.exempt(bp)  # checked in the guard, after the login and permission checks (403 before 400)
bp.before_request(access.guard)

PAGE_SIZE = 25


@bp.context_processor
def _console_context():
    return {
        "officer": g.get("officer"),
        "can": access.can,
        "role_labels": auth.ROLE_LABELS,
        "crm_state_labels": crm_outbox.STATE_LABELS,
        "crm_manual_mode": current_app.config.get("CRM_MODE") == "manual",
        "post_form": PostForm(),
        "mask": privacy,
    }


# --- login ------------------------------------------------------------------

@bp.route("/masuk", methods=["GET", "POST"])
@public
def login():
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = auth.authenticate(form.username.data, form.password.data)
        except auth.Throttled as exc:
            form.password.errors = [str(exc.message)]
            status = 429
        except auth.AuthError as exc:
            form.password.errors = [str(exc.message)]
            status = 422
        else:
            auth.end_session(session.get(SESSION_KEY), "replaced")
            session[SESSION_KEY] = auth.start_session(user)
            auth.audit("login", user=user)
            db.session.commit()
            return redirect(access.safe_next(form.next.data) or url_for(".queue"), code=303)
        db.session.commit()  # the hash upgrade or nothing; failures are committed by record_failure
    elif request.method == "POST":
        status = 400 if "csrf_token" in form.errors else 422
    return render_template("console/login.html", form=form), status


@bp.post("/keluar")
@requires("console")
def logout():
    auth.end_session(session.pop(SESSION_KEY, None), "logout")
    auth.audit("logout", user=g.officer)
    db.session.commit()
    flash(_l("You have logged out."), "success")
    return redirect(url_for(".login"), code=303)


# --- queue ------------------------------------------------------------------

def _wib_bounds(day: date, end: bool = False) -> datetime:
    moment = datetime.combine(day + timedelta(days=1) if end else day, time(0), WIB)
    return moment


def _scope_offices(user) -> list[Office]:
    scope = auth.scope_of(user)
    query = select(Office).order_by(Office.code)
    if scope is not None:
        query = query.where(Office.id.in_(sorted(scope)))
    return list(db.session.scalars(query))


def _queue_filter(user) -> QueueFilter:
    form = QueueFilter(request.args)
    lang = str(get_locale() or "id")
    form.status.choices = opts([("", _l("All"))] + [(s.value, i.label) for s, i in STATUSES.items()])
    cats = db.session.scalars(select(Category).order_by(Category.name_id)).all()
    form.category.choices = opts([("", _l("All"))] + [(c.code, getattr(c, f"name_{lang}", c.name_id)) for c in cats])
    form.channel.choices = opts([("", _l("All"))] + [(c.value, label) for c, label in CHANNEL_LABELS.items()])
    form.crm.choices = opts([("", _l("All"))] + list(crm_outbox.STATE_LABELS.items()))
    offices = _scope_offices(user)
    form.office.choices = opts([("", _l("All my offices"))] + [(o.code, f"{o.code} · {o.title}") for o in offices])
    form.validate()
    return form


def _queue_query(user, form: QueueFilter):
    query = (select(Complaint, OutboxItem.state)
             .outerjoin(OutboxItem, OutboxItem.complaint_id == Complaint.id)
             .where(auth.scope_clause(user, Complaint.office_id)))
    problems = []
    days = [d for d in (form.date_from.data, form.date_to.data) if d]
    if not all(workdays.plausible_day(d) for d in days):
        problems.append(DAYS_OUT_OF_RANGE)  # no complaint is dated there, and the bounds would not compute
        query = query.where(Complaint.id.is_(None))
    elif form.date_from.data:
        query = query.where(Complaint.submitted_at >= _wib_bounds(form.date_from.data))
    if form.date_to.data and not problems:
        query = query.where(Complaint.submitted_at < _wib_bounds(form.date_to.data, end=True))
    if form.status.data:
        query = query.where(Complaint.status == form.status.data)
    if form.category.data:
        query = query.join(Category, Category.id == Complaint.category_id).where(Category.code == form.category.data)
    if form.channel.data:
        query = query.where(Complaint.channel == form.channel.data)
    if form.crm.data:
        query = query.where(OutboxItem.state == form.crm.data)
    if form.office.data:
        query = query.join(Office, Office.id == Complaint.office_id).where(Office.code == form.office.data)
    typed = (form.q.data or "").strip()
    if typed:
        crm = crm_manual.normalise_crm_number(typed)
        if crm.startswith("JK"):
            query = query.where(Complaint.crm_number.startswith(crm, autoescape=True))
        else:
            try:
                # Its own number, or a leased number a kiosk printed for it offline (backend/aliases.py).
                query = query.where(aliases.number_clause(str(parse_number(typed))))
            except NumberError as exc:
                digits = re.sub(r"\D", "", typed)
                if exc.reason == "check" or not digits:
                    problems.append(_l("%(typed)s is not a complaint number (check it again) nor a CRM number "
                                       "(those start with JK).", typed=typed))
                    query = query.where(Complaint.id.is_(None))
                else:
                    # Part of a number: match it however the officer grouped the digits.
                    query = query.where(func.replace(Complaint.number, "-", "").like(f"%{digits}%"))
    return query, problems


def _elsewhere(user, typed: str | None) -> tuple[str, Office] | None:
    """The number typed and the office outside `user`'s scope that received that complaint, if any.

    A citizen may bring a request about their data (see, correct, erase: the
    privacy notice says "at any office") to an office that did not receive
    the complaint; the officer there learns where to pass it on. Only the
    office is told, as the public tracking page tells anyone."""
    try:
        number = str(parse_number((typed or "").strip()))
    except NumberError:
        return None
    office = db.session.execute(
        select(Office).join(Complaint, Complaint.office_id == Office.id)
        .where(aliases.number_clause(number), ~auth.scope_clause(user, Complaint.office_id))
    ).scalar_one_or_none()
    return (number, office) if office is not None else None


@bp.get("/")
@requires("queue")
def queue():
    user = g.officer
    form = _queue_filter(user)
    query, problems = _queue_query(user, form)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, request.args.get("hal", 1, type=int))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(page, pages)
    rows = db.session.execute(
        query.options(selectinload(Complaint.category), selectinload(Complaint.kelurahan),
                      selectinload(Complaint.office))
        .order_by(Complaint.submitted_at.desc(), Complaint.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "hal" and v}
    counts = _waiting_counts(user)
    # Citizens hold receipts whose numbers are not in the system: the desk must see that here.
    refused = delivery_refusals.open_count_in_scope(user) if auth.allowed(user, "kiosk_refusals") else 0
    # The office's own kiosks that are off or out of paper: the desk is who can fix that, now.
    kiosk_troubles = (kiosk_rules.needing_attention(auth.scope_clause(user, Kiosk.office_id))
                      if auth.allowed(user, "intake") else [])
    elsewhere = _elsewhere(user, form.q.data) if total == 0 and not problems else None
    return render_template("console/queue.html", form=form, rows=rows, total=total, page=page, pages=pages,
                           args=args, problems=problems, counts=counts, refused=refused, elsewhere=elsewhere,
                           kiosk_troubles=kiosk_troubles, section="queue")


def _waiting_counts(user) -> dict[str, int]:
    return dict(db.session.execute(
        select(OutboxItem.state, func.count()).join(Complaint, Complaint.id == OutboxItem.complaint_id)
        .where(auth.scope_clause(user, Complaint.office_id), OutboxItem.state.in_(("manual", "given_up")))
        .group_by(OutboxItem.state)
    ).all())


@bp.get("/ekspor.csv")
@requires("export")
def export():
    """The queue as filtered, without personal data; every export is audited."""
    user = g.officer
    form = _queue_filter(user)
    query, _problems = _queue_query(user, form)
    rows = db.session.execute(
        query.options(selectinload(Complaint.category), selectinload(Complaint.kelurahan),
                      selectinload(Complaint.office))
        .order_by(Complaint.submitted_at, Complaint.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["nomor", "diterima_wib", "kantor", "kanal", "kategori", "kelurahan", "status",
                     "status_crm", "nomor_crm", "jam_kerja", "identitas"])
    for complaint, state in rows:
        writer.writerow([
            complaint.number, complaint.submitted_at.astimezone(WIB).strftime("%Y-%m-%d %H:%M"),
            complaint.office.code, complaint.channel, complaint.category.code, complaint.kelurahan.name,
            complaint.status, state or "", complaint.crm_number or "",
            "" if complaint.in_office_hours is None else int(complaint.in_office_hours), complaint.identity,
        ])
    filters = "&".join(f"{k}={v}" for k, v in request.args.items() if v)
    auth.audit_now("export", user=user, detail=f"{len(rows)} rows; {filters}"[:500])
    response = current_app.response_class(out.getvalue().encode("utf-8-sig"), mimetype="text/csv")
    stamp = utcnow().astimezone(WIB).strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="aduan-{stamp}.csv"'
    return response


# --- one complaint --------------------------------------------------------

def _complaint_or_404(number: str) -> Complaint:
    try:
        canonical = str(parse_number(number))
    except NumberError:
        abort(404)
    complaint = db.session.execute(select(Complaint).filter_by(number=canonical)).scalar_one_or_none()
    if complaint is None:
        abort(404)
    access.require_office(complaint.office_id)
    return complaint


def _outbox(complaint: Complaint) -> OutboxItem | None:
    return db.session.execute(select(OutboxItem).filter_by(complaint_id=complaint.id)).scalar_one_or_none()


@bp.get("/aduan/<number>")
@requires("queue")
def detail(number):
    return _detail_page(_complaint_or_404(number), 200)


@bp.get("/aduan/<number>/foto")
@requires("personal_data")
def photo(number):
    complaint = _complaint_or_404(number)
    if complaint.photo is None:
        abort(404)
    data, mime = complaint.photo.data, complaint.photo.mime
    auth.audit_now("view_photo", user=g.officer, complaint_number=complaint.number)
    return current_app.response_class(data, mimetype=mime)


def _receipt_sizes() -> list[str]:
    return ["80", "58", "a4"]


@bp.get("/aduan/<number>/tanda-terima")
@requires("reprint")
def reprint(number):
    """The receipt again, as a PDF (58 or 80 mm roll, A6 or A4), same content as the first."""
    from kiosk.receipts import pdf_filename, receipt_pdf_for
    from printing.receipts import SIZES

    complaint = _complaint_or_404(number)
    size = request.args.get("ukuran", "80")
    if size not in SIZES:
        abort(404)
    pdf = receipt_pdf_for(complaint, size)
    auth.audit_now("reprint", user=g.officer, complaint_number=complaint.number, detail=f"size {size}")
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{pdf_filename(complaint, size)}"'
    return response


@bp.post("/aduan/<number>/kirim-ulang")
@requires("crm")
def resend(number):
    complaint = _complaint_or_404(number)
    try:
        crm_outbox.resend(complaint.number)
    except crm_outbox.OutboxError as exc:
        flash(exc.message, "error")
    else:
        auth.audit_now("crm_resend", user=g.officer, complaint_number=complaint.number)
        flash(_l("Complaint %(number)s will be sent to the CRM again.", number=complaint.number), "success")
    return redirect(url_for(".detail", number=complaint.number), code=303)


def _check_crm_date(crm_number: str) -> None:
    """JK + YYMMDD + sequence: the date part must be a real day, not in the future."""
    digits = crm_number[2:8]
    try:
        day = datetime.strptime(digits, "%y%m%d").date()
    except ValueError:
        raise crm_manual.ManualEntryError(_l("%(crm)s does not hold a real date after JK (YYMMDD).",
                                             crm=crm_number)) from None
    if day > utcnow().astimezone(WIB).date() + timedelta(days=1):
        raise crm_manual.ManualEntryError(_l("The date in %(crm)s is in the future. Check the number.",
                                             crm=crm_number))


@bp.post("/aduan/<number>/nomor-crm")
@requires("crm")
def record_crm(number):
    complaint = _complaint_or_404(number)
    form = CrmNumberForm()
    back = request.form.get("back") == "manual"
    if form.validate_on_submit():
        typed = crm_manual.normalise_crm_number(form.crm_number.data)
        try:
            if re.fullmatch(r"JK\d{10,11}", typed):
                _check_crm_date(typed)
            crm_manual.record_crm_number(complaint.number, typed, by=g.officer.username)
        except crm_manual.ManualEntryError as exc:
            form.crm_number.errors = [str(exc.message)]
        else:
            auth.audit_now("crm_record", user=g.officer, complaint_number=complaint.number, detail=typed)
            flash(_l("CRM number %(crm)s recorded for complaint %(number)s.", crm=typed, number=complaint.number),
                  "success")
            return redirect(url_for(".manual_queue") if back else url_for(".detail", number=complaint.number),
                            code=303)
    if back:
        return _render_manual_queue(errors={complaint.number: form.crm_number.errors}, status=422)
    html = render_template("console/detail.html", complaint=complaint, outbox=_outbox(complaint),
                           full=auth.allowed(g.officer, "personal_data"), crm_form=form, section="queue",
                           receipt_sizes=_receipt_sizes(), **_privacy_forms(complaint))
    auth.audit_now("view_personal", user=g.officer, complaint_number=complaint.number)
    return html, 422


# --- the citizen's requests about their data (UU 27/2022 Pasal 30, 32) ---------------

def _privacy_forms(complaint: Complaint, correction: ReporterCorrectionForm | None = None,
                   erasure: ReporterErasureForm | None = None) -> dict:
    """The detail page's request forms: the one sent back with its errors, the
    other empty (formdata=None: never bound to another form's POST)."""
    if correction is None:
        correction = ReporterCorrectionForm(formdata=None, data={
            f.key: getattr(complaint, f.column) or "" for f in privacy.FIELDS})
    return {"correction_form": correction, "erasure_form": erasure or ReporterErasureForm(formdata=None)}


def _detail_page(complaint: Complaint, status: int, **forms):
    """The detail page; again after a request about the reporter's data, with its errors (422) or refusal (409)."""
    full = auth.allowed(g.officer, "personal_data")
    html = render_template("console/detail.html", complaint=complaint, outbox=_outbox(complaint), full=full,
                           crm_form=CrmNumberForm(), section="queue", receipt_sizes=_receipt_sizes(),
                           **_privacy_forms(complaint, **forms))
    # Written before the page leaves: no view of personal data goes unrecorded.
    auth.audit_now("view_personal" if full else "view_masked", user=g.officer, complaint_number=complaint.number)
    return html, status


def _refused(complaint: Complaint, exc: privacy.RequestRefused):
    flash(exc.message, "error")
    return _detail_page(complaint, 409)


@bp.post("/aduan/<number>/data-pelapor")
@requires("privacy_requests")
def privacy_correct(number):
    """Correct the reporter's data at the citizen's request (backend/privacy.py)."""
    complaint = _complaint_or_404(number)
    try:
        privacy.check_correctable(complaint)
    except privacy.RequestRefused as exc:
        return _refused(complaint, exc)
    form = ReporterCorrectionForm()
    if form.validate_on_submit():
        try:
            changed = privacy.correct(complaint, g.officer, {f.key: form[f.key].data for f in privacy.FIELDS})
        except intake.IntakeInvalid as exc:
            for key, message in exc.errors.items():
                if key in form:
                    form[key].errors = list(form[key].errors) + [str(message)]
        except privacy.RequestRefused as exc:
            return _refused(complaint, exc)
        else:
            if changed:
                flash(_l("The reporter's data of complaint %(number)s was corrected.", number=complaint.number),
                      "success")
            else:
                flash(_l("Nothing was changed: the data was already as written."), "info")
            return redirect(url_for(".detail", number=complaint.number), code=303)
    return _detail_page(complaint, 422, correction=form)


@bp.post("/aduan/<number>/hapus-data-pelapor")
@requires("privacy_requests")
def privacy_erase(number):
    """Erase the reporter's personal data at the citizen's request (backend/retention.py)."""
    complaint = _complaint_or_404(number)
    if complaint.personal_data_erased_at is not None:
        return _refused(complaint, privacy.RequestRefused(retention.ALREADY_ERASED))
    form = ReporterErasureForm()
    if form.validate_on_submit():
        try:
            retention.erase_on_request(complaint, g.officer, form.note.data)
        except privacy.RequestRefused as exc:
            return _refused(complaint, exc)
        flash(_l("The reporter's personal data of complaint %(number)s was erased.", number=complaint.number),
              "success")
        return redirect(url_for(".detail", number=complaint.number), code=303)
    return _detail_page(complaint, 422, erasure=form)


@bp.get("/crm-manual")
@requires("crm")
def manual_queue():
    return _render_manual_queue()


def _render_manual_queue(errors: dict | None = None, status: int = 200):
    user = g.officer
    rows = db.session.execute(
        select(Complaint, OutboxItem).join(OutboxItem, OutboxItem.complaint_id == Complaint.id)
        .options(selectinload(Complaint.category), selectinload(Complaint.office))
        .where(auth.scope_clause(user, Complaint.office_id), OutboxItem.state.in_(("manual", "given_up")))
        .order_by(Complaint.submitted_at, Complaint.id).limit(200)
    ).all()
    return render_template("console/manual.html", rows=rows, errors=errors or {}, crm_form=CrmNumberForm(),
                           section="manual"), status


# --- assisted intake ------------------------------------------------------

def _intake_choices(form: AssistedIntakeForm, user) -> None:
    lang = str(get_locale() or "id")
    groups = db.session.scalars(select(CategoryGroup).order_by(CategoryGroup.sort)).all()
    form.category.choices = opts([("", _l("Choose…"))])
    for grp in groups:
        form.category.choices += opts([(c.code, getattr(c, f"name_{lang}", c.name_id)) for c in grp.categories
                                       if c.active], optgroup=getattr(grp, f"name_{lang}", grp.name_id))
    kecamatan = db.session.scalars(select(Office).filter_by(kind=OfficeKind.KECAMATAN).order_by(Office.name)).all()
    form.kelurahan.choices = opts([("", _l("Choose…"))])
    for kec in kecamatan:
        form.kelurahan.choices += opts([(k.code, k.name) for k in sorted(kec.children, key=lambda o: o.name)],
                                       optgroup=f"Kecamatan {kec.name}")
    offices = _scope_offices(user)
    form.office.choices = opts((o.code, o.title) for o in offices)


@bp.route("/aduan/baru", methods=["GET", "POST"])
@requires("intake")
def assisted_intake():
    user = g.officer
    form = AssistedIntakeForm()
    _intake_choices(form, user)
    if request.method == "GET":
        form.idempotency_key.data = uuid.uuid4().hex
        form.channel.data = request.args.get("kanal") if request.args.get("kanal") in {
            c.value for c in intake.ASSISTED_CHANNELS} else Channel.DESK.value
        if user.office is not None:
            form.office.data = user.office.code
            if user.office.kind == OfficeKind.KELURAHAN:
                form.kelurahan.data = user.office.code
        return render_template("console/intake.html", form=form, section="intake")
    problems = {}
    valid = form.validate_on_submit()
    photo = uploaded_photo(form.photo)
    valid = valid and not form.photo.errors
    office_codes = {c.value for c in form.office.choices}
    if form.office.data not in office_codes:
        form.office.errors = [str(_l("Choose one of your offices."))]
        valid = False
    if valid:
        anonymous = form.identity.data == Identity.ANONYMOUS
        req = intake.IntakeRequest(
            idempotency_key=form.idempotency_key.data or "",
            channel=form.channel.data,
            category_code=form.category.data or "",
            kelurahan_code=form.kelurahan.data or "",
            address=form.address.data or "",
            rt=form.rt.data or "",
            rw=form.rw.data or "",
            description=form.description.data or "",
            identity=form.identity.data,
            consent=bool(form.consent.data),
            name="" if anonymous else (form.name.data or ""),
            phone="" if anonymous else (form.phone.data or ""),
            email="" if anonymous else (form.email.data or ""),
            nik="" if anonymous else (form.nik.data or ""),
            language=str(get_locale() or "id"),
            office_code=form.office.data,
            officer_id=user.id,
            photo=photo,
        )
        try:
            result = intake.submit(req)
        except intake.IntakeInvalid as exc:
            problems = exc.errors
            for name, message in exc.errors.items():
                if name in form and name not in ("csrf_token",):
                    form[name].errors = list(form[name].errors) + [str(message)]
        except intake.IdempotencyConflict as exc:
            problems = {"idempotency_key": _l("This form was already sent with other answers (complaint %(number)s). "
                                              "Open a new form.", number=str(exc))}
        else:
            if not result.replayed:
                auth.audit_now("intake", user=user, complaint_number=result.complaint.number,
                               detail=f"channel {result.complaint.channel}")
            flash(_l("Complaint received: number %(number)s. Give the citizen the receipt.",
                     number=result.complaint.number), "success")
            return redirect(url_for(".detail", number=result.complaint.number, baru=1), code=303)
    status = 400 if "csrf_token" in form.errors else 422
    return render_template("console/intake.html", form=form, problems=problems, section="intake"), status


# --- own account ----------------------------------------------------------

@bp.route("/akun", methods=["GET", "POST"])
@requires("console")
def account():
    user = g.officer
    pw_form = AccountPasswordForm(prefix="pw")
    pin_form = AccountPinForm(prefix="pin")
    status = 200
    if request.method == "POST":
        which = request.form.get("which")
        form = pw_form if which == "password" else pin_form
        if form.validate_on_submit():
            if not auth.verify_secret(user.password_hash, form.current.data):
                form.current.errors = [str(_l("The password is not right."))]
            else:
                try:
                    if which == "password":
                        auth.set_password(user, form.new.data)
                        # Every other session of this account ends; this one goes on.
                        keep = session.get(SESSION_KEY)
                        auth.end_user_sessions(user.id, "password")
                        session[SESSION_KEY] = auth.start_session(user)
                        auth.end_session(keep, "password")
                        auth.audit("password_change", user=user, target=f"user:{user.username}")
                    else:
                        auth.set_pin(user, form.pin.data)
                        auth.audit("pin_change", user=user, target=f"user:{user.username}")
                except auth.AuthError as exc:
                    (form.new if which == "password" else form.pin).errors = [str(exc.message)]
                else:
                    db.session.commit()
                    flash(_l("Your password was changed.") if which == "password" else _l("Your PIN was changed."),
                          "success")
                    return redirect(url_for(".account"), code=303)
        status = 422
    return render_template("console/account.html", pw_form=pw_form, pin_form=pin_form, section="account"), status
