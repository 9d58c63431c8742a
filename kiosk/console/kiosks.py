"""Console: kiosks of the offices in the user's scope (pimpinan, admin):
register, edit, pair a device, see heartbeat and printer, disable; the
offline deliveries the server refused (also the desk's petugas, on a page of
their own, /petugas/kiriman-ditolak): see the report kept for the office
(personal data: every view audited, as a complaint's detail), continue it as a
complaint under the receipt's number, or mark it dealt with."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend import auth, delivery_refusals, intake, kiosks
from backend.database import immediate_transaction
from backend.extensions import db
from backend.models import Category, Kiosk, KioskDeliveryRefusal, Office, OfficeKind, utcnow
from backend.statuses import Channel, Identity
from kiosk.console import access
from kiosk.console.access import form_page, requires
from kiosk.console.forms import KioskForm, RefusalResolveForm, RefusedReportForm, opts, uploaded_photo
from kiosk.console.views import _intake_choices, _scope_offices, bp


def _kiosk_or_404(kiosk_id: int) -> Kiosk:
    kiosk = db.get_or_404(Kiosk, kiosk_id)
    access.require_office(kiosk.office_id)
    return kiosk


def _offices_choices(form: KioskForm) -> dict[str, Office]:
    offices = {o.code: o for o in _scope_offices(g.officer)}
    form.office.choices = opts((code, f"{code} · {o.title}") for code, o in offices.items())
    return offices


@bp.get("/kios")
@requires("kiosks")
def kiosk_list():
    rows = db.session.scalars(
        select(Kiosk).options(selectinload(Kiosk.office)).join(Office, Office.id == Kiosk.office_id)
        .where(auth.scope_clause(g.officer, Kiosk.office_id)).order_by(Office.code, Kiosk.code)
    ).all()
    return render_template("console/kiosks.html", kiosks=rows, now=utcnow(), late=kiosks.heartbeat_late,
                           printer_problem=kiosks.printer_problem, is_paired=kiosks.is_paired,
                           refused=delivery_refusals.open_counts([k.id for k in rows]), section="kiosks")


def _refusals(kiosk: Kiosk, posted: RefusalResolveForm | None = None, posted_id: int | None = None) -> dict:
    """The kiosk page's list of open refused deliveries, each with its own form
    (prefixed, so that several on one page keep distinct ids)."""
    rows = delivery_refusals.open_for_kiosk(kiosk)
    forms = {r.id: posted if r.id == posted_id else RefusalResolveForm(prefix=f"r{r.id}", formdata=None)
             for r in rows}
    return {"refusals": rows, "refusal_forms": forms, "reason_label": delivery_refusals.reason_label,
            "kept_until": delivery_refusals.kept_until}


def _refusals_home(kiosk: Kiosk) -> str:
    """Where an officer goes back to from a refusal: the kiosk's page if they
    manage kiosks, else the desk's list of refused deliveries."""
    if access.can("kiosks"):
        return url_for(".kiosk_edit", kiosk_id=kiosk.id, _anchor="kiriman-ditolak")
    return url_for(".kiosk_refusals", _anchor=f"kiriman-ditolak-{kiosk.id}")


def _refusals_section() -> str:
    return "kiosks" if access.can("kiosks") else "queue"


def _refusals_page(posted: RefusalResolveForm | None = None, posted_id: int | None = None, status: int = 200):
    groups = [{"kiosk": k, **_refusals(k, posted, posted_id)} for k in delivery_refusals.kiosks_with_open(g.officer)]
    return render_template("console/kiosk_refusals.html", groups=groups, section=_refusals_section()), status


@bp.get("/kiriman-ditolak")
@requires("kiosk_refusals")
def kiosk_refusals():
    """The refused offline deliveries of every kiosk in the officer's scope, for
    the desk that contacts the citizens holding those receipts."""
    return _refusals_page()


@bp.route("/kios/baru", methods=["GET", "POST"])
@requires("kiosks")
def kiosk_new():
    form = KioskForm()
    offices = _offices_choices(form)
    if form.validate_on_submit():
        office = offices.get(form.office.data)
        try:
            kiosk = kiosks.register(code=form.code.data, name=form.name.data, office=office,
                                    paper_mm=int(form.paper_mm.data), print_path=form.print_path.data,
                                    auto_print=form.auto_print.data)
        except kiosks.KioskError as exc:
            form.code.errors = [str(exc.message)]
        else:
            auth.audit("kiosk_register", user=g.officer, target=f"kiosk:{kiosk.code}")
            db.session.commit()
            flash(_l("Kiosk %(code)s registered. Pair the device next.", code=kiosk.code), "success")
            return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)
    elif request.method == "GET" and g.officer.office is not None:
        form.office.data = g.officer.office.code
    return form_page("console/kiosk_form.html", form=form, kiosk=None, section="kiosks")


@bp.route("/kios/<int:kiosk_id>", methods=["GET", "POST"])
@requires("kiosks")
def kiosk_edit(kiosk_id):
    kiosk = _kiosk_or_404(kiosk_id)
    form = KioskForm(obj=None) if request.method == "POST" else KioskForm(data={
        "code": kiosk.code, "name": kiosk.name, "office": kiosk.office.code, "paper_mm": str(kiosk.paper_mm),
        "print_path": kiosk.print_path, "auto_print": kiosk.auto_print})
    offices = _offices_choices(form)
    if form.validate_on_submit():
        office = offices.get(form.office.data)
        try:
            kiosks.check_fields(code=kiosk.code, name=form.name.data, office=office,
                                paper_mm=int(form.paper_mm.data), print_path=form.print_path.data)
        except kiosks.KioskError as exc:
            form.name.errors = [str(exc.message)]
        else:
            kiosk.name = form.name.data.strip()[:120]
            kiosk.office = office
            kiosk.paper_mm = int(form.paper_mm.data)
            kiosk.print_path = form.print_path.data
            kiosk.auto_print = form.auto_print.data
            auth.audit("kiosk_update", user=g.officer, target=f"kiosk:{kiosk.code}")
            db.session.commit()
            flash(_l("Kiosk %(code)s saved.", code=kiosk.code), "success")
            return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)
    return form_page("console/kiosk_form.html", form=form, kiosk=kiosk, pairing_code=None,
                           late=kiosks.heartbeat_late(kiosk), printer_problem=kiosks.printer_problem(kiosk),
                           paired=kiosks.is_paired(kiosk), section="kiosks", **_refusals(kiosk))


@bp.post("/kios/<int:kiosk_id>/pasangkan")
@requires("kiosks")
def kiosk_pairing_code(kiosk_id):
    """A one-time code to type on the kiosk device; shown on this page only."""
    kiosk = _kiosk_or_404(kiosk_id)
    code = kiosks.issue_pairing_code(kiosk)
    auth.audit("kiosk_pairing_code", user=g.officer, target=f"kiosk:{kiosk.code}")
    db.session.commit()
    form = KioskForm(data={"code": kiosk.code, "name": kiosk.name, "office": kiosk.office.code,
                           "paper_mm": str(kiosk.paper_mm), "print_path": kiosk.print_path,
                           "auto_print": kiosk.auto_print})
    _offices_choices(form)
    return render_template("console/kiosk_form.html", form=form, kiosk=kiosk, pairing_code=code,
                           late=kiosks.heartbeat_late(kiosk), printer_problem=kiosks.printer_problem(kiosk),
                           paired=kiosks.is_paired(kiosk), section="kiosks", **_refusals(kiosk))


@bp.post("/kios/<int:kiosk_id>/lepas")
@requires("kiosks")
def kiosk_unpair(kiosk_id):
    kiosk = _kiosk_or_404(kiosk_id)
    kiosks.unpair(kiosk)
    auth.audit("kiosk_unpair", user=g.officer, target=f"kiosk:{kiosk.code}")
    db.session.commit()
    flash(_l("The device of kiosk %(code)s is no longer paired.", code=kiosk.code), "success")
    return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)


@bp.post("/kios/<int:kiosk_id>/status")
@requires("kiosks")
def kiosk_status(kiosk_id):
    kiosk = _kiosk_or_404(kiosk_id)
    kiosk.active = request.form.get("active") == "1"
    auth.audit("kiosk_enable" if kiosk.active else "kiosk_disable", user=g.officer, target=f"kiosk:{kiosk.code}")
    db.session.commit()
    flash(_l("Kiosk %(code)s is in service again.", code=kiosk.code) if kiosk.active else
          _l("Kiosk %(code)s is out of service: its screen sends citizens to the desk.", code=kiosk.code),
          "success")
    return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)


@bp.post("/kios/<int:kiosk_id>/kiriman-ditolak/<int:refusal_id>/selesai")
@requires("kiosk_refusals")
def kiosk_refusal_resolve(kiosk_id, refusal_id):
    """An officer dealt with a refused offline delivery (typically: entered it
    at the desk from the citizen's receipt); a short note says what was done."""
    kiosk = _kiosk_or_404(kiosk_id)
    refusal = db.session.get(KioskDeliveryRefusal, refusal_id)
    if refusal is None or refusal.kiosk_id != kiosk.id:
        abort(404)
    if refusal.resolved_at is not None:
        flash(_l("This refused delivery was already marked as dealt with."), "info")
        return redirect(_refusals_home(kiosk), code=303)
    form = RefusalResolveForm(prefix=f"r{refusal.id}")
    if form.validate():  # CSRF was checked by the console guard
        try:
            delivery_refusals.resolve(refusal, g.officer, form.note.data)
        except delivery_refusals.NoteMissing as exc:  # only blanks
            form.note.errors = [str(exc.message)]
        else:
            # The leased number goes in the detail: no complaint has it (that is the problem).
            auth.audit("kiosk_refusal_resolve", user=g.officer, target=f"kiosk:{kiosk.code}",
                       detail=f"refusal {refusal.id}, number {refusal.leased_number or '-'}: "
                              f"{refusal.resolution_note}")
            db.session.commit()
            flash(_l("Marked as dealt with."), "success")
            return redirect(_refusals_home(kiosk), code=303)
    if not access.can("kiosks"):  # the desk's list, not the kiosk's management form
        return _refusals_page(form, refusal.id, 422)
    edit = KioskForm(data={"code": kiosk.code, "name": kiosk.name, "office": kiosk.office.code,
                           "paper_mm": str(kiosk.paper_mm), "print_path": kiosk.print_path,
                           "auto_print": kiosk.auto_print}, formdata=None)
    _offices_choices(edit)
    return render_template("console/kiosk_form.html", form=edit, kiosk=kiosk, pairing_code=None,
                           late=kiosks.heartbeat_late(kiosk), printer_problem=kiosks.printer_problem(kiosk),
                           paired=kiosks.is_paired(kiosk), section="kiosks",
                           **_refusals(kiosk, form, refusal.id)), 422


# --- the refused report kept for the office -------------------------------------------

REPORT_FIELDS = ("category", "kelurahan", "address", "rt", "rw", "description", "identity", "name", "phone",
                 "email", "nik", "consent")


def _refusal_or_404(kiosk: Kiosk, refusal_id: int) -> KioskDeliveryRefusal:
    refusal = db.session.get(KioskDeliveryRefusal, refusal_id)
    if refusal is None or refusal.kiosk_id != kiosk.id:
        abort(404)
    return refusal


def _audit_view(action: str, kiosk: Kiosk, refusal: KioskDeliveryRefusal) -> None:
    """Written before the page leaves, as for a complaint's detail: no view of
    personal data goes unrecorded. No complaint has the receipt's number yet:
    it goes in the detail."""
    auth.audit_now(action, user=g.officer, target=f"kiosk:{kiosk.code}",
                   detail=f"refusal {refusal.id}, number {refusal.leased_number or '-'}")


def _shown_answers(refusal: KioskDeliveryRefusal) -> dict:
    """The kept answers with names for codes (a retired category still has its name)."""
    answers = dict((refusal.report or {}).get("answers") or {})
    names = {}
    if answers.get("category"):
        category = db.session.execute(select(Category).filter_by(code=answers["category"])).scalar_one_or_none()
        if category is not None:
            names["category"] = category
    if answers.get("kelurahan"):
        kelurahan = db.session.execute(select(Office).filter_by(
            code=answers["kelurahan"], kind=OfficeKind.KELURAHAN)).scalar_one_or_none()
        if kelurahan is not None:
            names["kelurahan"] = kelurahan.name
    return {"answers": answers, "names": names}


@bp.get("/kios/<int:kiosk_id>/kiriman-ditolak/<int:refusal_id>")
@requires("kiosk_refusals")
def kiosk_refusal_view(kiosk_id, refusal_id):
    """"Lihat laporan": the refused report as the kiosk sent it, each refused
    answer with its reason in plain words."""
    kiosk = _kiosk_or_404(kiosk_id)
    refusal = _refusal_or_404(kiosk, refusal_id)
    html = render_template("console/kiosk_refusal.html", kiosk=kiosk, refusal=refusal,
                           reason_label=delivery_refusals.reason_label, kept_until=delivery_refusals.kept_until,
                           device_time=delivery_refusals.device_time(refusal), section=_refusals_section(),
                           back=_refusals_home(kiosk),
                           **_shown_answers(refusal))
    if refusal.report is not None:
        _audit_view("view_refusal_personal", kiosk, refusal)
    return html


@bp.get("/kios/<int:kiosk_id>/kiriman-ditolak/<int:refusal_id>/foto")
@requires("kiosk_refusals")
def kiosk_refusal_photo(kiosk_id, refusal_id):
    kiosk = _kiosk_or_404(kiosk_id)
    refusal = _refusal_or_404(kiosk, refusal_id)
    if refusal.photo is None or not refusal.photo_mime:
        abort(404)
    data, mime = refusal.photo, refusal.photo_mime
    _audit_view("view_refusal_photo", kiosk, refusal)
    response = current_app.response_class(data, mimetype=mime)
    response.headers["Cache-Control"] = "private, no-store"  # personal data: never kept by a browser cache
    return response


def _prefill(refusal: KioskDeliveryRefusal) -> dict:
    answers = (refusal.report or {}).get("answers") or {}
    data = {name: answers.get(name) for name in REPORT_FIELDS}
    data["consent"] = answers.get("consent") is True
    if data["identity"] not in {i.value for i in Identity}:
        data["identity"] = None  # refused: the officer chooses
    anonymous = data["identity"] == Identity.ANONYMOUS
    data["contact"] = "given" if not anonymous and (answers.get("phone") or answers.get("email")) else "none"
    data["keep_photo"] = True
    return data


def _render_complete(kiosk, refusal, form, problems=None, status=200):
    html = render_template("console/kiosk_refusal_complete.html", kiosk=kiosk, refusal=refusal, form=form,
                           problems=problems or {}, reason_label=delivery_refusals.reason_label,
                           has_photo=refusal.photo_mime is not None, section=_refusals_section())
    if refusal.report is not None:
        _audit_view("view_refusal_personal", kiosk, refusal)
    return html, status


@bp.route("/kios/<int:kiosk_id>/kiriman-ditolak/<int:refusal_id>/lanjutkan", methods=["GET", "POST"])
@requires("kiosk_refusals")
def kiosk_refusal_complete(kiosk_id, refusal_id):
    """"Lanjutkan sebagai laporan": the kept answers in the assisted-intake form;
    the officer corrects what was refused and the report is stored as the
    kiosk's complaint under the receipt's number (backend/delivery_refusals.complete)."""
    kiosk = _kiosk_or_404(kiosk_id)
    refusal = _refusal_or_404(kiosk, refusal_id)
    if refusal.resolved_at is not None:
        flash(_l("This refused delivery was already marked as dealt with."), "info")
        return redirect(url_for(".kiosk_refusal_view", kiosk_id=kiosk.id, refusal_id=refusal.id), code=303)
    user = g.officer
    form = RefusedReportForm(data=_prefill(refusal)) if request.method == "GET" else RefusedReportForm()
    _intake_choices(form, user)
    if request.method == "GET":
        return _render_complete(kiosk, refusal, form)
    valid = form.validate_on_submit()
    photo = uploaded_photo(form.photo)
    valid = valid and not form.photo.errors
    if photo is None and not form.photo.errors and form.keep_photo.data:
        photo = delivery_refusals.kept_photo(refusal)
    problems = {}
    if valid:
        anonymous = form.identity.data == Identity.ANONYMOUS
        req = intake.IntakeRequest(
            idempotency_key="", channel=Channel.KIOSK,  # both set by complete()
            category_code=form.category.data or "", kelurahan_code=form.kelurahan.data or "",
            address=form.address.data or "", rt=form.rt.data or "", rw=form.rw.data or "",
            description=form.description.data or "", identity=form.identity.data,
            consent=bool(form.consent.data),
            name="" if anonymous else (form.name.data or ""),
            phone="" if anonymous else (form.phone.data or ""),
            email="" if anonymous else (form.email.data or ""),
            nik="" if anonymous else (form.nik.data or ""),
            language=(refusal.report or {}).get("language") or "id",  # the citizen's, for the receipt
            photo=photo,
        )
        try:
            done = delivery_refusals.complete(refusal, user, req)
        except intake.IntakeInvalid as exc:
            for name, message in exc.errors.items():
                if name in form and name != "csrf_token":
                    form[name].errors = list(form[name].errors) + [str(message)]
                else:
                    problems[name] = message
        else:
            number = done.complaint.number
            if done.number_changed:
                flash(_l("Complaint stored under the new number %(number)s: the receipt's number %(leased)s could "
                         "not be used. Tell the citizen the new number; the tracking page of %(leased)s points to it.",
                         number=number, leased=done.leased_number), "info")
            else:
                flash(_l("Complaint stored under the receipt's number %(number)s.", number=number), "success")
            return redirect(url_for(".detail", number=number), code=303)
    status = 400 if "csrf_token" in form.errors else 422
    return _render_complete(kiosk, refusal, form, problems, status)


# --- a citizen at a kiosk called an officer -------------------------------------

@bp.post("/kios/<int:kiosk_id>/panggilan")
@requires("intake")
def kiosk_help_answer(kiosk_id):
    """An officer goes to the kiosk whose citizen called (the queue page's
    "I'm going"): the call leaves the other officers' lists."""
    kiosk = _kiosk_or_404(kiosk_id)
    with immediate_transaction():  # two officers at once: one answers, the other is told
        answered = kiosks.answer_help(kiosk, g.officer.id, kiosks.HelpAnswer.DESK)
        if answered:
            auth.audit("kiosk_help_answered", user=g.officer, target=f"kiosk:{kiosk.code}")
    if answered:
        flash(_l("Thank you. The citizen at %(kiosk)s is waiting for you.", kiosk=kiosk.name), "success")
    else:
        flash(_l("Another officer has answered this call already."), "info")
    return redirect(url_for(".queue"), code=303)


@bp.get("/kios/panggilan.json")
@requires("intake")
def kiosk_help_calls():
    """The kiosks in the officer's scope whose citizens wait for an officer: the
    queue page asks every 20 s (console.js) and reloads when this changes."""
    troubles = kiosks.needing_attention(auth.scope_clause(g.officer, Kiosk.office_id))
    return {"calls": sorted(t.kiosk.id for t in troubles if t.help_since)}
