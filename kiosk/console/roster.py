"""Console: the duty roster (jadwal piket) of the Mayor's office, and the
template helper that shows today's duty section on the Mayor's-office kiosks
and the phone flow."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from backend import auth, roster, workdays
from backend.extensions import db
from backend.models import DutyDay, DutyOfficer, DutySection, Office, User
from backend.offices import KOTA_CODE
from kiosk.console.access import form_page, requires
from kiosk.console.forms import DutyDayForm, SectionForm, opts
from kiosk.console.views import bp


def _month(arg: str | None) -> tuple[int, int]:
    try:
        year, month = (int(p) for p in (arg or "").split("-"))
        if workdays.plausible_day(date(year, month, 1)):  # its neighbours' links must compute too
            return year, month
    except ValueError:
        pass
    today = roster.today_wib()
    return today.year, today.month


def _shift(year: int, month: int, by: int) -> str:
    index = year * 12 + (month - 1) + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@bp.get("/piket")
@requires("console")
def roster_month():
    year, month = _month(request.args.get("bulan"))
    calendar = workdays.calendar_for(KOTA_CODE)
    days = roster.month_days(year, month)
    assigned = roster.month_roster(year, month)
    rows = [(d, calendar.holiday(d), calendar.hours(d), assigned.get(d)) for d in days]
    return render_template("console/roster.html", rows=rows, year=year, month=month, first=days[0],
                           prev=_shift(year, month, -1), next=_shift(year, month, 1),
                           this=f"{year:04d}-{month:02d}", today=roster.today_wib(),
                           sections=roster.active_sections(), section="roster")


def _day_or_404(day: str) -> date:
    try:
        the_day = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not workdays.plausible_day(the_day):
        abort(404)
    return the_day


def _kota_officers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(Office, Office.id == User.office_id)
        .where(Office.code == KOTA_CODE, User.active.is_(True)).order_by(User.full_name)))


@bp.route("/piket/hari/<day>", methods=["GET", "POST"])
@requires("roster_edit")
def roster_day(day):
    the_day = _day_or_404(day)
    duty = roster.duty_on(the_day)
    form = DutyDayForm() if request.method == "POST" else DutyDayForm(data={
        "section": str(duty.section_id) if duty else "", "officers": [u.id for u in duty.officers] if duty else [],
        "note": duty.note if duty else ""})
    sections = roster.active_sections()
    if duty is not None and duty.section not in sections:
        sections.append(duty.section)
    form.section.choices = opts([("", _l("Nobody (no duty this day)"))] + [(s.id, s.name) for s in sections])
    officers = _kota_officers()
    form.officers.choices = opts((u.id, u.full_name) for u in officers)
    if form.validate_on_submit():
        section_ids = {str(s.id) for s in sections}
        officer_ids = {u.id for u in officers}
        if form.section.data and form.section.data not in section_ids:
            form.section.errors = [str(_l("Choose one of the sections."))]
        else:
            if duty is not None:
                db.session.execute(delete(DutyOfficer).where(DutyOfficer.duty_day_id == duty.id))
            if not form.section.data:
                if duty is not None:
                    db.session.delete(duty)
            else:
                if duty is None:
                    duty = DutyDay(day=the_day)
                    db.session.add(duty)
                duty.section_id = int(form.section.data)
                duty.note = (form.note.data or "").strip() or None
                db.session.flush()
                for uid in sorted(set(form.officers.data or []) & officer_ids):
                    db.session.add(DutyOfficer(duty_day_id=duty.id, user_id=uid))
            auth.audit("roster_update", user=g.officer, target=f"piket:{the_day.isoformat()}")
            db.session.commit()
            flash(_l("The roster for %(day)s was saved.", day=the_day.strftime("%d-%m-%Y")), "success")
            return redirect(url_for(".roster_month", bulan=the_day.strftime("%Y-%m")), code=303)
    calendar = workdays.calendar_for(KOTA_CODE)
    return form_page("console/roster_day.html", form=form, day=the_day, holiday=calendar.holiday(the_day),
                     hours=calendar.hours(the_day), section="roster")


@bp.post("/piket/isi")
@requires("roster_edit")
def roster_fill():
    year, month = _month(request.form.get("bulan"))
    filled = roster.fill_rotation(year, month, workdays.calendar_for(KOTA_CODE), roster.active_sections())
    auth.audit("roster_fill", user=g.officer, target=f"piket:{year:04d}-{month:02d}", detail=f"{filled} days")
    db.session.commit()
    flash(_l("%(n)d working days were given a section in turn.", n=filled), "success")
    return redirect(url_for(".roster_month", bulan=f"{year:04d}-{month:02d}"), code=303)


@bp.route("/piket/bagian", methods=["GET", "POST"])
@requires("roster_edit")
def roster_sections():
    form = SectionForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.execute(select(DutySection.id).filter_by(name=name)).first():
            form.name.errors = [str(_l("There is already a section with this name."))]
        else:
            db.session.add(DutySection(name=name, sort=form.sort.data or 0, active=form.active.data))
            auth.audit("section_add", user=g.officer, target=f"bagian:{name}"[:80])
            db.session.commit()
            flash(_l("Section %(name)s added.", name=name), "success")
            return redirect(url_for(".roster_sections"), code=303)
    sections = db.session.scalars(select(DutySection).order_by(DutySection.sort, DutySection.name)).all()
    return form_page("console/sections.html", form=form, sections=sections, section="roster")


@bp.post("/piket/bagian/<int:section_id>")
@requires("roster_edit")
def roster_section_update(section_id):
    item = db.get_or_404(DutySection, section_id)
    form = SectionForm()
    if form.validate_on_submit():
        item.name = form.name.data.strip()
        item.sort = form.sort.data or 0
        item.active = form.active.data
        auth.audit("section_update", user=g.officer, target=f"bagian:{item.name}"[:80])
        db.session.commit()
        flash(_l("Section %(name)s saved.", name=item.name), "success")
    else:
        flash(_l("Write the section's name."), "error")
    return redirect(url_for(".roster_sections"), code=303)


def duty_today():
    """Today's duty at the Mayor's office (None when nobody is rostered)."""
    return roster.duty_on(roster.today_wib())


def register_globals(app) -> None:
    app.jinja_env.globals["duty_today"] = duty_today
