"""The public channels page: /kanal (?kantor=KKLL for one office's hours and
its own phone-flow link)."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from backend import channels as channel_data
from kiosk.channels import content

bp = Blueprint("channels", __name__)


@bp.get("/kanal")
def index():
    office = content.office_by_code(request.args.get("kantor"))
    channels = content.channel_views(office)
    crm_home = current_app.config.get("CRM_TRACKING_HOME") or "crm.jakarta.go.id"
    return render_template(
        "channels/index.html",
        office=office,
        channels=channels,
        hours=content.hours_view(office),
        crm_home=crm_home,
        crm_link=next((c.link for c in channels if c.code == "crm"), f"https://{crm_home}/"),
        emergency_number=channel_data.EMERGENCY_NUMBER,
    )
