"""One form per screen of the intake flow.

Field rules come from `backend.validation` (shared with the intake service),
wrapped as WTForms validators so errors show beside the field that caused them.
Every form is a FlaskForm, so every POST carries and checks a CSRF token; a
failed token is shown on the same screen with what was typed kept.
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import ValidationError

from backend import validation
from backend.statuses import Identity


class Rule:
    """Run a `backend.validation` check; keep its normalised value."""

    def __init__(self, check, **kwargs):
        self.check, self.kwargs = check, kwargs

    def __call__(self, form, field):
        kwargs = {k: (v() if callable(v) else v) for k, v in self.kwargs.items()}
        try:
            field.normalized = self.check(field.data, **kwargs)
        except validation.Invalid as exc:
            raise ValidationError(str(exc.message)) from None


class StepForm(FlaskForm):
    """CSRF errors get a message a citizen understands."""

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.meta.csrf and self.csrf_token.errors:
            # In place: WTForms caches form.errors with these very lists.
            self.csrf_token.errors[:] = [str(_l(
                "This screen was open too long or was sent twice, so we could not accept it. "
                "Your answer is still here: please tap the button again."))]
        return ok


class CategoryForm(StepForm):
    # Rendered by hand as cards; a plain field with our own check of the codes.
    category = StringField(_l("Category"))

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._codes = set(codes)

    def validate_category(self, field):
        if field.data not in self._codes:
            raise ValidationError(str(_l("Choose what your report is about.")))


class LocationForm(StepForm):
    kelurahan = StringField(_l("Kelurahan"))  # a <select> rendered by hand
    address = StringField(_l("Address or landmark"),
                          validators=[Rule(validation.text, required=False, max_chars=validation.ADDRESS_MAX)])
    rt = StringField(_l("RT"), validators=[Rule(validation.rt_rw)])
    rw = StringField(_l("RW"), validators=[Rule(validation.rt_rw)])

    def __init__(self, *args, kelurahan_codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._codes = set(kelurahan_codes)

    def validate_kelurahan(self, field):
        if field.data not in self._codes:
            raise ValidationError(str(_l("Choose a kelurahan in South Jakarta from the list.")))


class DescriptionForm(StepForm):
    description = TextAreaField(
        _l("What happened?"),
        validators=[Rule(validation.text, required=True, min_chars=validation.DESCRIPTION_MIN,
                         max_chars=lambda: current_app.config["DESCRIPTION_MAX_CHARS"])],
    )
    photo = FileField(_l("Photo (optional)"))
    remove_photo = BooleanField(_l("Remove the photo"))


class IdentityForm(StepForm):
    identity = StringField(_l("How do you want to report?"))  # radio cards rendered by hand
    name = StringField(_l("Name"), validators=[Rule(validation.text, required=False, max_chars=validation.NAME_MAX)])
    phone = StringField(_l("Phone or WhatsApp number"), validators=[Rule(validation.phone)])
    email = StringField(_l("Email"), validators=[Rule(validation.email)])
    nik = StringField(_l("NIK (16 digits, as on your KTP)"), validators=[Rule(validation.nik)])
    consent = BooleanField(_l("I have read the privacy notice and agree that my report is processed for follow-up."))

    def validate(self, extra_validators=None):
        if self.identity.data == Identity.ANONYMOUS:
            # Hidden on screen and never kept: nothing typed there may block the citizen.
            for field in (self.name, self.phone, self.email, self.nik):
                field.data = ""
        return super().validate(extra_validators)

    def validate_identity(self, field):
        if field.data not in {i.value for i in Identity}:
            raise ValidationError(str(_l("Choose how you want to report.")))

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(str(_l("Please read the privacy notice and tap to agree before sending.")))


class SubmitForm(StepForm):
    idempotency_key = HiddenField()


class ResetForm(StepForm):
    """Ends the session: the idle timer and the 'Finish' button post this."""
