"""Console: kiosks of the offices in the user's scope (pimpinan, admin):
register, edit, pair a device, see heartbeat and printer, disable; see the
offline deliveries the server refused and mark them dealt with."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend import auth, delivery_refusals, kiosks
from backend.extensions import db
from backend.models import Kiosk, KioskDeliveryRefusal, Office, utcnow
from kiosk.console import access
from kiosk.console.access import form_page, requires
from kiosk.console.forms import KioskForm, RefusalResolveForm, opts
from kiosk.console.views import _scope_offices, bp


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
    return {"refusals": rows, "refusal_forms": forms, "reason_label": delivery_refusals.reason_label}


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
@requires("kiosks")
def kiosk_refusal_resolve(kiosk_id, refusal_id):
    """An officer dealt with a refused offline delivery (typically: entered it
    at the desk from the citizen's receipt); a short note says what was done."""
    kiosk = _kiosk_or_404(kiosk_id)
    refusal = db.session.get(KioskDeliveryRefusal, refusal_id)
    if refusal is None or refusal.kiosk_id != kiosk.id:
        abort(404)
    if refusal.resolved_at is not None:
        flash(_l("This refused delivery was already marked as dealt with."), "info")
        return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)
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
            return redirect(url_for(".kiosk_edit", kiosk_id=kiosk.id), code=303)
    edit = KioskForm(data={"code": kiosk.code, "name": kiosk.name, "office": kiosk.office.code,
                           "paper_mm": str(kiosk.paper_mm), "print_path": kiosk.print_path,
                           "auto_print": kiosk.auto_print}, formdata=None)
    _offices_choices(edit)
    return render_template("console/kiosk_form.html", form=edit, kiosk=kiosk, pairing_code=None,
                           late=kiosks.heartbeat_late(kiosk), printer_problem=kiosks.printer_problem(kiosk),
                           paired=kiosks.is_paired(kiosk), section="kiosks",
                           **_refusals(kiosk, form, refusal.id)), 422
