"""Console: the official complaint channels and the posters of the offices.

    /petugas/kanal                    any officer: the channels, and the posters
                                      of the offices they may see
    /petugas/kanal/poster.pdf         an office's A4 poster or A5 table card
                                      (?kantor=KKLL&ukuran=a4|a5&bahasa=id|en)
    /petugas/kanal/poster-semua.zip   admin: every office's posters in one ZIP,
                                      streamed as the PDFs are made (cached)
    /petugas/kanal/baru, /<id>        admin: add or edit a channel

Who may do what is declared with `@requires` (backend/auth.py decides); an
office outside the officer's scope answers 403 (`access.require_office`).
"""
from __future__ import annotations

import re

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from backend import auth
from backend import channels as channel_data
from backend.extensions import db
from backend.models import CHANNEL_KINDS, Office, OfficialChannel
from backend.offices import KOTA_CODE
from kiosk.channels import content, poster_cache
from kiosk.console import access
from kiosk.console.access import form_page, requires
from kiosk.console.forms import PostForm, opts
from kiosk.console.views import bp
from printing import posters

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
POSTER_LANGUAGES = ("id", "en")


class ChannelForm(PostForm):
    code = StringField(_l("Code"), validators=[Optional(), Length(max=32)])
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    name_id = StringField(_l("Name (Indonesian)"), validators=[DataRequired(_l("Write the name.")), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(_l("Write the name.")), Length(max=80)])
    description_id = StringField(_l("When to use it (Indonesian)"), validators=[Length(max=200)])
    description_en = StringField(_l("When to use it (English)"), validators=[Length(max=200)])
    link = StringField(_l("Link"), validators=[DataRequired(_l("Write the channel's link.")), Length(max=500)])
    display = StringField(_l("Written as"), validators=[Length(max=80)])
    sort = IntegerField(_l("Order"), validators=[Optional()])
    active = BooleanField(_l("Shown to citizens"))


def _kind_choices(form: ChannelForm) -> None:
    form.kind.choices = opts((k, channel_data.KIND_LABELS[k]) for k in CHANNEL_KINDS)


def _scope_offices() -> list[Office]:
    query = select(Office).order_by(Office.code).where(auth.scope_clause(g.officer, Office.id))
    return list(db.session.scalars(query))


def _language() -> str:
    lang = (request.args.get("bahasa") or "id").lower()
    return lang if lang in POSTER_LANGUAGES else "id"


@bp.get("/kanal")
@requires("console")
def channels():
    offices = _scope_offices()
    own = g.officer.office
    return render_template(
        "console/channels.html", channels=channel_data.all_channels(), offices=offices, own_office=own,
        kind_labels=channel_data.KIND_LABELS, can_edit=access.can("admin"), section="channels",
        public_link=url_for("channels.index", kantor=own.code if own else None),
    )


@bp.get("/kanal/poster.pdf")
@requires("console")
def channel_poster():
    """One office's poster (A4) or table card (A5): the officer's own office
    unless ?kantor= names another office they may see."""
    code = request.args.get("kantor") or (g.officer.office.code if g.officer.office else KOTA_CODE)
    office = content.office_by_code(code)
    if office is None:
        abort(404)
    access.require_office(office.id)
    size = (request.args.get("ukuran") or "a4").lower()
    if size not in posters.SIZES:
        abort(404)
    data = content.poster_data(office, _language())
    pdf = poster_cache().pdf(data, size)
    response = current_app.response_class(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{posters.filename(data, size)}"'
    return response


@bp.get("/kanal/poster-semua.zip")
@requires("admin")
def channel_posters_zip():
    """Every office's A4 poster and A5 table card in one ZIP file.

    The posters' content is read now; the PDFs are made (or taken from the
    cache) one by one while the ZIP is being sent, so the download starts at
    once and the server holds one PDF at a time."""
    lang = _language()
    offices = list(db.session.scalars(select(Office).order_by(Office.code)))
    datas = content.all_poster_data(offices, lang)
    cache = poster_cache()
    folders = {"a4": "poster-a4", "a5": "kartu-meja-a5"}

    def entries():
        for data in datas:
            for size in posters.SIZES:
                yield f"{folders[size]}/{posters.filename(data, size)}", (lambda d=data, s=size: cache.pdf(d, s))

    auth.audit("posters_download", user=g.officer, target="posters:all", detail=f"{len(datas)} offices, {lang}")
    db.session.commit()
    response = current_app.response_class(posters.zip_stream(entries()), mimetype="application/zip")
    suffix = "" if lang == "id" else f"-{lang}"
    response.headers["Content-Disposition"] = f'attachment; filename="poster-kanal-pengaduan-{len(datas)}-kantor{suffix}.zip"'
    return response


def _save(channel: OfficialChannel, form: ChannelForm) -> bool:
    """Copy the form into the channel; False (with the errors on the form) when it does not hold."""
    kind = form.kind.data
    if kind not in CHANNEL_KINDS:
        form.kind.errors = [str(_l("Choose the kind of channel."))]
        return False
    try:
        link = channel_data.check_link(kind, form.link.data)
    except channel_data.ChannelError as exc:
        form.link.errors = [str(exc.message)]
        return False
    channel.kind = kind
    channel.link = link
    channel.name_id, channel.name_en = form.name_id.data.strip(), form.name_en.data.strip()
    channel.description_id = (form.description_id.data or "").strip()
    channel.description_en = (form.description_en.data or "").strip()
    channel.display = (form.display.data or "").strip()
    channel.sort = form.sort.data or 0
    channel.active = form.active.data
    return True


@bp.route("/kanal/baru", methods=["GET", "POST"])
@requires("admin")
def channel_new():
    form = ChannelForm() if request.method == "POST" else ChannelForm(data={"active": True, "kind": "web"})
    _kind_choices(form)
    if form.validate_on_submit():
        code = (form.code.data or "").strip().lower()
        if not _CODE.match(code):
            form.code.errors = [str(_l("A code has 2 to 32 lower-case letters, digits, dashes or underscores."))]
        elif db.session.execute(select(OfficialChannel.id).filter_by(code=code)).first():
            form.code.errors = [str(_l("There is already a channel with this code."))]
        else:
            channel = OfficialChannel(code=code)
            if _save(channel, form):
                db.session.add(channel)
                auth.audit("channel_create", user=g.officer, target=f"channel:{code}", detail=channel.link[:500])
                db.session.commit()
                flash(_l("Channel %(name)s added.", name=channel.name_id), "success")
                return redirect(url_for(".channels"), code=303)
    return form_page("console/channel_form.html", form=form, channel=None, section="channels")


@bp.route("/kanal/<int:channel_id>", methods=["GET", "POST"])
@requires("admin")
def channel_edit(channel_id):
    channel = db.get_or_404(OfficialChannel, channel_id)
    form = ChannelForm() if request.method == "POST" else ChannelForm(data={
        "code": channel.code, "kind": channel.kind, "name_id": channel.name_id, "name_en": channel.name_en,
        "description_id": channel.description_id, "description_en": channel.description_en, "link": channel.link,
        "display": channel.display, "sort": channel.sort, "active": channel.active})
    _kind_choices(form)
    if form.validate_on_submit():
        before = (channel.link, channel.active)
        if _save(channel, form):
            auth.audit("channel_update", user=g.officer, target=f"channel:{channel.code}",
                       detail=f"link {before[0]} -> {channel.link}; active {before[1]} -> {channel.active}"[:500])
            db.session.commit()
            flash(_l("Channel %(name)s saved.", name=channel.name_id), "success")
            return redirect(url_for(".channels"), code=303)
        db.session.rollback()
    return form_page("console/channel_form.html", form=form, channel=channel, section="channels")
