"""Console admin pages (/petugas/admin, role admin): users, offices and their
hours, dated hours and holiday overrides, categories and agencies, audit log.
Every change is written to the audit log."""
from __future__ import annotations

from datetime import time

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend import auth, workdays
from backend.extensions import db
from backend.models import ROLES, Agency, AuditLog, Category, HolidayOverride, Office, OfficeHours, User
from backend.numbering import NumberError, parse_number
from kiosk.console.access import form_page, requires
from kiosk.console.forms import AgencyForm, CategoryEditForm, DatedHoursForm, HolidayForm, OfficeForm, SetPasswordForm, \
    SetPinForm, UserForm, opts
from kiosk.console.views import bp

WEEKDAYS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
            _l("Sunday"))
PAGE_SIZE = 50
# What the dated-hours form starts from: the usual Ramadan hours (design notes §2).
RAMADAN_WEEK = {d: (time(7, 0), time(14, 0)) for d in range(4)} | {4: (time(7, 0), time(14, 30))}


def _all_offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.code)))


def _office_choices(empty_label=None) -> list:
    choices = [("", empty_label)] if empty_label is not None else []
    return opts(choices + [(o.code, f"{o.code} · {o.title}") for o in _all_offices()])


# --- users ----------------------------------------------------------------

@bp.get("/admin/pengguna")
@requires("admin")
def admin_users():
    query = select(User).options(selectinload(User.office)).order_by(User.active.desc(), User.username)
    role = request.args.get("peran")
    if role in ROLES:
        query = query.where(User.role == role)
    users = db.session.scalars(query).all()
    return render_template("console/admin/users.html", users=users, role=role, roles=ROLES, section="admin")


def _user_form_choices(form: UserForm) -> None:
    form.office.choices = _office_choices(_l("No office (monitor, admin)"))


@bp.route("/admin/pengguna/baru", methods=["GET", "POST"])
@requires("admin")
def admin_user_new():
    form = UserForm()
    _user_form_choices(form)
    if form.validate_on_submit():
        try:
            user = auth.create_user(username=form.username.data, full_name=form.full_name.data, role=form.role.data,
                                    office_code=form.office.data or None, password=form.password.data or "",
                                    phone=form.phone.data or "", email=form.email.data or "")
        except auth.AuthError as exc:
            db.session.rollback()
            form.username.errors = [str(exc.message)]
        else:
            auth.audit("user_create", user=g.officer, target=f"user:{user.username}", detail=user.role)
            db.session.commit()
            flash(_l("Account %(name)s created.", name=user.username), "success")
            return redirect(url_for(".admin_user", user_id=user.id), code=303)
    return form_page("console/admin/user_form.html", form=form, user=None, section="admin")


@bp.route("/admin/pengguna/<int:user_id>", methods=["GET", "POST"])
@requires("admin")
def admin_user(user_id):
    user = db.get_or_404(User, user_id)
    form = UserForm() if request.method == "POST" else UserForm(data={
        "username": user.username, "full_name": user.full_name, "role": user.role,
        "office": user.office.code if user.office else "", "phone": user.phone or "", "email": user.email or ""})
    _user_form_choices(form)
    if form.validate_on_submit():
        before = (user.role, user.office_id)
        try:
            auth.update_user(user, full_name=form.full_name.data, role=form.role.data,
                             office_code=form.office.data or None, phone=form.phone.data or "",
                             email=form.email.data or "")
        except auth.AuthError as exc:
            db.session.rollback()
            form.full_name.errors = [str(exc.message)]
        else:
            if (user.role, user.office_id) != before:
                # What the account may see changed: its open sessions start over.
                auth.end_user_sessions(user.id, "role")
            auth.audit("user_update", user=g.officer, target=f"user:{user.username}",
                       detail=f"role {user.role}, office {user.office.code if user.office else '-'}")
            db.session.commit()
            flash(_l("Account %(name)s saved.", name=user.username), "success")
            return redirect(url_for(".admin_user", user_id=user.id), code=303)
    return form_page("console/admin/user_form.html", form=form, user=user, password_form=SetPasswordForm(),
                           pin_form=SetPinForm(), section="admin")


@bp.post("/admin/pengguna/<int:user_id>/status")
@requires("admin")
def admin_user_status(user_id):
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    if not active and user.id == g.officer.id:
        flash(_l("You cannot disable your own account."), "error")
        return redirect(url_for(".admin_user", user_id=user.id), code=303)
    auth.set_active(user, active)
    auth.audit("user_enable" if active else "user_disable", user=g.officer, target=f"user:{user.username}")
    db.session.commit()
    flash(_l("Account %(name)s is active again.", name=user.username) if active else
          _l("Account %(name)s is disabled; its sessions have ended.", name=user.username), "success")
    return redirect(url_for(".admin_user", user_id=user.id), code=303)


@bp.post("/admin/pengguna/<int:user_id>/sandi")
@requires("admin")
def admin_user_password(user_id):
    user = db.get_or_404(User, user_id)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            auth.set_password(user, form.password.data)
        except auth.AuthError as exc:
            flash(exc.message, "error")
        else:
            auth.end_user_sessions(user.id, "password")
            auth.audit("password_reset", user=g.officer, target=f"user:{user.username}")
            db.session.commit()
            flash(_l("New password set for %(name)s; their sessions have ended.", name=user.username), "success")
    else:
        flash(_l("Write a new password."), "error")
    return redirect(url_for(".admin_user", user_id=user.id), code=303)


@bp.post("/admin/pengguna/<int:user_id>/pin")
@requires("admin")
def admin_user_pin(user_id):
    user = db.get_or_404(User, user_id)
    form = SetPinForm()
    form.validate_on_submit()
    try:
        auth.set_pin(user, (form.pin.data or "").strip() or None)
    except auth.AuthError as exc:
        flash(exc.message, "error")
    else:
        auth.audit("pin_reset", user=g.officer, target=f"user:{user.username}")
        db.session.commit()
        flash(_l("PIN of %(name)s saved.", name=user.username), "success")
    return redirect(url_for(".admin_user", user_id=user.id), code=303)


# --- offices and hours ----------------------------------------------------

def week_from_form(form, prefix: str = "") -> tuple[dict, list[str]]:
    """The week grid of the hours forms: d0_open, d0_from, d0_to ... d6_*."""
    week, errors = {}, []
    for day in range(7):
        if not form.get(f"{prefix}d{day}_open"):
            continue
        try:
            opens = time.fromisoformat(form.get(f"{prefix}d{day}_from", ""))
            closes = time.fromisoformat(form.get(f"{prefix}d{day}_to", ""))
        except ValueError:
            errors.append(str(_l("%(day)s: write opening and closing times as HH:MM.", day=WEEKDAYS[day])))
            continue
        if closes <= opens:
            errors.append(str(_l("%(day)s: the office must close after it opens.", day=WEEKDAYS[day])))
            continue
        week[day] = (opens, closes)
    return workdays.dump_week(week), errors


def _regular(office_id: int | None) -> OfficeHours | None:
    query = select(OfficeHours).where(OfficeHours.starts.is_(None))
    query = query.where(OfficeHours.office_id == office_id if office_id else OfficeHours.office_id.is_(None))
    return db.session.scalars(query.order_by(OfficeHours.id)).first()


@bp.get("/admin/kantor")
@requires("admin")
def admin_offices():
    own = {r.office_id for r in db.session.scalars(
        select(OfficeHours).where(OfficeHours.starts.is_(None), OfficeHours.office_id.is_not(None)))}
    return render_template("console/admin/offices.html", offices=_all_offices(), own_hours=own, section="admin")


def _office_or_404(office_code: str) -> Office:
    office = db.session.execute(select(Office).filter_by(code=office_code)).scalar_one_or_none()
    if office is None:
        abort(404)
    return office


@bp.route("/admin/kantor/<office_code>", methods=["GET", "POST"])
@requires("admin")
def admin_office(office_code):
    office = _office_or_404(office_code)
    form = OfficeForm() if request.method == "POST" else OfficeForm(data={"address": office.address or "",
                                                                          "phone": office.phone or ""})
    if form.validate_on_submit():
        office.address = (form.address.data or "").strip() or None
        office.phone = (form.phone.data or "").strip() or None
        auth.audit("office_update", user=g.officer, target=f"office:{office.code}")
        db.session.commit()
        flash(_l("%(office)s saved.", office=office.title), "success")
        return redirect(url_for(".admin_office", office_code=office.code), code=303)
    regular = _regular(office.id)
    default = _regular(None)
    week = workdays.parse_week(regular.week) if regular else (
        workdays.parse_week(default.week) if default else workdays.DEFAULT_WEEK)
    return form_page("console/admin/office.html", office=office, form=form, week=week,
                           own_hours=regular is not None, weekdays=WEEKDAYS, errors=[],
                           calendar=workdays.calendar_for(office.code), section="admin")


@bp.post("/admin/kantor/<office_code>/jam")
@requires("admin")
def admin_office_hours(office_code):
    office = _office_or_404(office_code)
    regular = _regular(office.id)
    if request.form.get("default") == "1":
        if regular is not None:
            db.session.delete(regular)
    else:
        week, errors = week_from_form(request.form)
        if errors:
            for e in errors:
                flash(e, "error")
            return redirect(url_for(".admin_office", office_code=office.code), code=303)
        if regular is None:
            regular = OfficeHours(office=office, label="")
            db.session.add(regular)
        regular.week = week
    auth.audit("hours_update", user=g.officer, target=f"office:{office.code}")
    db.session.commit()
    workdays.invalidate()
    flash(_l("Office hours of %(office)s saved.", office=office.title), "success")
    return redirect(url_for(".admin_office", office_code=office.code), code=303)


def _hours_page(dated_form=None, holiday_form=None, status=200):
    dated_form = dated_form or DatedHoursForm()
    holiday_form = holiday_form or HolidayForm()
    dated_form.office.choices = _office_choices(_l("Every office"))
    holiday_form.office.choices = _office_choices(_l("Every office"))
    default = _regular(None)
    dated = db.session.scalars(select(OfficeHours).options(selectinload(OfficeHours.office))
                               .where(OfficeHours.starts.is_not(None)).order_by(OfficeHours.starts.desc())).all()
    holidays = db.session.scalars(select(HolidayOverride).options(selectinload(HolidayOverride.office))
                                  .order_by(HolidayOverride.day.desc())).all()
    week = workdays.parse_week(default.week) if default else workdays.DEFAULT_WEEK
    return render_template("console/admin/hours.html", week=week, weekdays=WEEKDAYS, dated=dated,
                           holidays=holidays, dated_form=dated_form, holiday_form=holiday_form,
                           ramadan_week=RAMADAN_WEEK, parse_week=workdays.parse_week,
                           section="admin"), status


@bp.get("/admin/jam")
@requires("admin")
def admin_hours():
    return _hours_page()


@bp.post("/admin/jam/umum")
@requires("admin")
def admin_hours_default():
    week, errors = week_from_form(request.form)
    if errors:
        for e in errors:
            flash(e, "error")
        return redirect(url_for(".admin_hours"), code=303)
    regular = _regular(None)
    if regular is None:
        regular = OfficeHours(office_id=None, label="")
        db.session.add(regular)
    regular.week = week
    auth.audit("hours_update", user=g.officer, target="office:*")
    db.session.commit()
    workdays.invalidate()
    flash(_l("The default office hours were saved."), "success")
    return redirect(url_for(".admin_hours"), code=303)


@bp.post("/admin/jam/khusus")
@requires("admin")
def admin_hours_dated():
    form = DatedHoursForm()
    form.office.choices = _office_choices(_l("Every office"))
    week, errors = week_from_form(request.form, prefix="x")
    if form.validate_on_submit() and not errors:
        office = auth.office_by_code(form.office.data) if form.office.data else None
        db.session.add(OfficeHours(office=office, label=form.label.data.strip(), starts=form.starts.data,
                                   ends=form.ends.data, week=week))
        auth.audit("hours_dated_add", user=g.officer, target=f"office:{office.code if office else '*'}",
                   detail=f"{form.label.data} {form.starts.data}..{form.ends.data}")
        db.session.commit()
        workdays.invalidate()
        flash(_l("Hours “%(label)s” saved.", label=form.label.data), "success")
        return redirect(url_for(".admin_hours"), code=303)
    form.label.errors = list(form.label.errors) + errors
    return _hours_page(dated_form=form, status=422)


@bp.post("/admin/jam/khusus/<int:hours_id>/hapus")
@requires("admin")
def admin_hours_dated_delete(hours_id):
    row = db.session.get(OfficeHours, hours_id)
    if row is None or row.starts is None:
        abort(404)
    auth.audit("hours_dated_delete", user=g.officer, detail=f"{row.label} {row.starts}..{row.ends}")
    db.session.delete(row)
    db.session.commit()
    workdays.invalidate()
    flash(_l("Hours “%(label)s” deleted.", label=row.label), "success")
    return redirect(url_for(".admin_hours"), code=303)


@bp.post("/admin/libur")
@requires("admin")
def admin_holiday():
    form = HolidayForm()
    form.office.choices = _office_choices(_l("Every office"))
    if form.validate_on_submit():
        office = auth.office_by_code(form.office.data) if form.office.data else None
        closed = form.closed.data == "1"
        name = (form.name.data or "").strip()
        if closed and not name:
            form.name.errors = [str(_l("Name the holiday, e.g. the decree that declares it."))]
        else:
            existing = db.session.scalars(select(HolidayOverride).where(
                HolidayOverride.day == form.day.data,
                HolidayOverride.office_id == office.id if office else HolidayOverride.office_id.is_(None))).first()
            row = existing or HolidayOverride(day=form.day.data, office=office)
            row.closed, row.name = closed, name
            db.session.add(row)
            auth.audit("holiday_set", user=g.officer, target=f"office:{office.code if office else '*'}",
                       detail=f"{form.day.data} {'closed' if closed else 'open'} {name}")
            db.session.commit()
            workdays.invalidate()
            flash(_l("%(day)s saved.", day=form.day.data.strftime("%d-%m-%Y")), "success")
            return redirect(url_for(".admin_hours"), code=303)
    return _hours_page(holiday_form=form, status=422)


@bp.post("/admin/libur/<int:holiday_id>/hapus")
@requires("admin")
def admin_holiday_delete(holiday_id):
    row = db.get_or_404(HolidayOverride, holiday_id)
    auth.audit("holiday_delete", user=g.officer, detail=f"{row.day} {row.name}")
    db.session.delete(row)
    db.session.commit()
    workdays.invalidate()
    flash(_l("The override was deleted."), "success")
    return redirect(url_for(".admin_hours"), code=303)


# --- categories and agencies ----------------------------------------------

@bp.get("/admin/kategori")
@requires("admin")
def admin_categories():
    categories = db.session.scalars(select(Category).options(selectinload(Category.agency),
                                                             selectinload(Category.group))
                                    .order_by(Category.group_id, Category.sort, Category.name_id)).all()
    return render_template("console/admin/categories.html", categories=categories, section="admin")


def _agency_choices() -> list:
    return opts((a.id, a.name) for a in db.session.scalars(select(Agency).order_by(Agency.name)))


@bp.route("/admin/kategori/<int:category_id>", methods=["GET", "POST"])
@requires("admin")
def admin_category(category_id):
    category = db.get_or_404(Category, category_id)
    form = CategoryEditForm() if request.method == "POST" else CategoryEditForm(data={
        "name_id": category.name_id, "name_en": category.name_en, "hint_id": category.hint_id,
        "hint_en": category.hint_en, "agency": str(category.agency_id), "sort": category.sort,
        "active": category.active})
    form.agency.choices = _agency_choices()
    if form.validate_on_submit():
        agency = db.session.get(Agency, int(form.agency.data)) if (form.agency.data or "").isdigit() else None
        if agency is None:
            form.agency.errors = [str(_l("Choose the responsible agency."))]
        else:
            category.name_id, category.name_en = form.name_id.data.strip(), form.name_en.data.strip()
            category.hint_id, category.hint_en = (form.hint_id.data or "").strip(), (form.hint_en.data or "").strip()
            category.agency = agency
            category.sort = form.sort.data or 0
            category.active = form.active.data
            auth.audit("category_update", user=g.officer, target=f"category:{category.code}",
                       detail=f"agency {agency.code}, active {category.active}")
            db.session.commit()
            flash(_l("Category %(name)s saved.", name=category.name_id), "success")
            return redirect(url_for(".admin_categories"), code=303)
    return form_page("console/admin/category_form.html", form=form, category=category,
                           section="admin")


@bp.route("/admin/instansi", methods=["GET", "POST"])
@requires("admin")
def admin_agencies():
    form = AgencyForm()
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        if db.session.execute(select(Agency.id).filter_by(code=code)).first():
            form.code.errors = [str(_l("The code %(code)s is taken.", code=code))]
        else:
            db.session.add(Agency(code=code, name=form.name.data.strip(), kind=form.kind.data))
            auth.audit("agency_add", user=g.officer, target=f"agency:{code}")
            db.session.commit()
            flash(_l("%(name)s added.", name=form.name.data.strip()), "success")
            return redirect(url_for(".admin_agencies"), code=303)
    agencies = db.session.execute(
        select(Agency, func.count(Category.id)).outerjoin(Category, Category.agency_id == Agency.id)
        .group_by(Agency.id).order_by(Agency.name)).all()
    return form_page("console/admin/agencies.html", form=form, agencies=agencies, section="admin")


@bp.route("/admin/instansi/<int:agency_id>", methods=["GET", "POST"])
@requires("admin")
def admin_agency(agency_id):
    agency = db.get_or_404(Agency, agency_id)
    form = AgencyForm() if request.method == "POST" else AgencyForm(data={
        "code": agency.code, "name": agency.name, "kind": agency.kind})
    if form.validate_on_submit():
        agency.name = form.name.data.strip()
        agency.kind = form.kind.data
        auth.audit("agency_update", user=g.officer, target=f"agency:{agency.code}")
        db.session.commit()
        flash(_l("%(name)s saved.", name=agency.name), "success")
        return redirect(url_for(".admin_agencies"), code=303)
    return form_page("console/admin/agency_form.html", form=form, agency=agency, section="admin")


# --- audit log ------------------------------------------------------------

@bp.get("/admin/audit")
@requires("admin")
def admin_audit():
    query = select(AuditLog).options(selectinload(AuditLog.user))
    who = (request.args.get("pengguna") or "").strip().lower()
    if who:
        query = query.join(User, User.id == AuditLog.user_id).where(User.username == who)
    number = (request.args.get("nomor") or "").strip()
    if number:
        try:
            query = query.where(AuditLog.complaint_number == str(parse_number(number)))
        except NumberError:
            query = query.where(AuditLog.id.is_(None))
    action = (request.args.get("aksi") or "").strip()
    if action:
        query = query.where(AuditLog.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("hal", 1, type=int)), pages)
    rows = db.session.scalars(query.order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    actions = db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    args = {k: v for k, v in request.args.items() if k != "hal" and v}
    return render_template("console/admin/audit.html", rows=rows, page=page, pages=pages, total=total, args=args,
                           actions=actions, section="admin")
