"""A photo for a kiosk's report, sent from the citizen's own phone.

A kiosk offers no file picker: on a public PC it would open the kiosk's own
files, and its citizens' photos are on their phones anyway. The kiosk's
"what happened" screen shows a QR code of /foto-kios/<token>
(kiosk/templates/intake/_photo_handoff.html); this page, on the phone, takes
one photo into that kiosk's draft (backend/drafts.py photo_handoff), where
the kiosk's screen shows it a few seconds later. The page shows nothing of
the draft but the office's name; the token works once, for minutes.
"""
from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField

from backend import drafts
from backend.extensions import limiter
from backend.photos import clean_photo_upload
from backend.validation import Invalid
from kiosk.intake.forms import StepForm

bp = Blueprint("handoff", __name__, url_prefix="/foto-kios")

GONE = _l("This code no longer works: it was used already, or it is too old. "
          "Please scan the code on the kiosk's screen again.")
NO_PHOTO = _l("Choose a photo to send.")


class HandoffForm(StepForm):
    photo = FileField(_l("Photo"))


def _office_title(draft) -> str:
    return draft.kiosk.office.title if draft.kiosk and draft.kiosk.office else ""


@bp.route("/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_PHOTO_HANDOFF"], methods=["POST"])
def upload(token: str):
    draft = drafts.draft_for_handoff(token)
    if draft is None:
        return render_template("handoff/upload.html", gone=GONE), 410
    form = HandoffForm()
    office = _office_title(draft)
    if form.validate_on_submit():
        upload = form.photo.data
        if not upload or not upload.filename:
            form.photo.errors = [str(NO_PHOTO)]
        else:
            try:
                photo = clean_photo_upload(upload.read())
            except Invalid as exc:
                form.photo.errors = [str(exc.message)]
            else:
                drafts.receive_handoff_photo(draft, photo.data, photo.mime)
                return render_template("handoff/upload.html", done=True, office=office)
    status = 400 if "csrf_token" in form.errors else 422 if form.errors else 200
    return render_template("handoff/upload.html", form=form, office=office,
                           max_photo_mb=current_app.config["PHOTO_MAX_BYTES"] // (1024 * 1024)), status
