"""Console forms. Field rules come from backend.validation and backend.auth,
as in the citizen flow; every POST form carries a CSRF token."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from backend.auth import ROLE_LABELS
from backend.photos import clean_photo_upload
from backend.statuses import Channel, Identity
from kiosk.intake.forms import Rule
from backend import delivery_refusals, retention, validation


def opts(pairs, optgroup=None) -> list[SelectChoice]:
    """Choices as WTForms 3.3 wants them (tuples are deprecated)."""
    return [SelectChoice(str(value), label, optgroup=optgroup) for value, label in pairs]


class PostForm(FlaskForm):
    pass


class LoginForm(PostForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Write your username."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Write your password."))])
    next = HiddenField()


class QueueFilter(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Complaint or CRM number"))
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    channel = SelectField(_l("Channel"), choices=[], validate_choice=False)
    crm = SelectField(_l("CRM"), choices=[], validate_choice=False)
    office = SelectField(_l("Office"), choices=[], validate_choice=False)


class CrmNumberForm(PostForm):
    crm_number = StringField(_l("CRM number"), validators=[DataRequired(_l("Write the number the CRM gave."))])


ASSISTED_CHANNELS = [
    (Channel.DESK.value, _l("At the desk")),
    (Channel.TELEPHONE.value, _l("By telephone")),
    (Channel.LETTER.value, _l("By letter")),
]

CONTACT_CHOICES = [
    ("given", _l("The citizen gives a phone number or email")),
    ("none", _l("The citizen has no contact details")),
]


def uploaded_photo(field):
    """The photo chosen in a FileField, cleaned as the citizen's own would be
    (backend/photos.py: re-encoded, EXIF gone); None if none was chosen. A file
    that is not an acceptable image puts its message on the field and returns None."""
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        return clean_photo_upload(upload.read())
    except validation.Invalid as exc:
        field.errors = [str(exc.message)]
        return None


class AssistedIntakeForm(PostForm):
    idempotency_key = HiddenField()
    channel = RadioField(_l("How did the complaint come in?"), choices=opts(ASSISTED_CHANNELS),
                         validators=[InputRequired(_l("Choose how the complaint came in."))])
    office = SelectField(_l("Received at"), choices=[], validate_choice=False)
    category = SelectField(_l("What is it about?"), choices=[], validate_choice=False)
    kelurahan = SelectField(_l("Kelurahan where it happened"), choices=[], validate_choice=False)
    address = StringField(_l("Address or landmark"),
                          validators=[Rule(validation.text, required=False, max_chars=validation.ADDRESS_MAX)])
    rt = StringField(_l("RT"), validators=[Rule(validation.rt_rw)])
    rw = StringField(_l("RW"), validators=[Rule(validation.rt_rw)])
    description = TextAreaField(_l("What happened?"))
    photo = FileField(_l("Photo or scan of the letter (optional)"))
    identity = RadioField(_l("Identity"), choices=opts([
        (Identity.NAMED.value, _l("With the citizen's name")),
        (Identity.ANONYMOUS.value, _l("Anonymous")),
        (Identity.CONFIDENTIAL.value, _l("Confidential")),
    ]), default=Identity.NAMED.value, validators=[InputRequired(_l("Choose how the citizen wants to report."))])
    name = StringField(_l("Citizen's name"),
                       validators=[Rule(validation.text, required=False, max_chars=validation.NAME_MAX)])
    contact = RadioField(_l("Contact details"), choices=opts(CONTACT_CHOICES),
                         validators=[InputRequired(_l("Choose whether the citizen gives contact details."))])
    phone = StringField(_l("Citizen's phone or WhatsApp"), validators=[Rule(validation.phone)])
    email = StringField(_l("Citizen's email"), validators=[Rule(validation.email)])
    nik = StringField(_l("NIK (optional)"), validators=[Rule(validation.nik)])
    consent = BooleanField(_l("I told the citizen how their data is used (privacy notice) and they agreed."))

    def validate(self, extra_validators=None):
        if self.identity.data == Identity.ANONYMOUS:
            for field in (self.name, self.phone, self.email, self.nik):
                field.data = ""
            self.contact.data = self.contact.data or "none"
        if self.contact.data == "none":
            # An explicit choice: whatever was typed before it is dropped, never kept.
            self.phone.data = ""
            self.email.data = ""
        ok = super().validate(extra_validators)
        if ok and self.contact.data == "given" and not (self.phone.data.strip() or self.email.data.strip()):
            self.phone.errors.append(str(_l("Write the citizen's phone number or email, or choose that the "
                                            "citizen has no contact details.")))
            ok = False
        return ok

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(str(_l("Tell the citizen how their data is used and tick that they agreed.")))


class AccountPasswordForm(PostForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(_l("Write your current password."))])
    new = PasswordField(_l("New password"), validators=[DataRequired(_l("Write a new password."))])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(_l("Write the new password again."))])

    def validate_repeat(self, field):
        if field.data != self.new.data:
            raise ValidationError(str(_l("The two new passwords are not the same.")))


class AccountPinForm(PostForm):
    current = PasswordField(_l("Your password"), validators=[DataRequired(_l("Write your password."))])
    pin = PasswordField(_l("New PIN (6 to 8 digits)"), validators=[DataRequired(_l("Write a PIN."))])


class KioskForm(PostForm):
    code = StringField(_l("Code (in the kiosk's address /k/…)"), validators=[Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the kiosk a name, e.g. where it stands."))])
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
    paper_mm = SelectField(_l("Paper width"), choices=opts([("80", "80 mm"), ("58", "58 mm")]))
    print_path = SelectField(_l("Printing"), choices=opts([
        ("browser", _l("Through the browser (Chromium --kiosk-printing)")),
        ("escpos", _l("Straight to a thermal printer (ESC/POS)")),
    ]))
    auto_print = BooleanField(_l("Print the receipt automatically"))


class PairForm(PostForm):
    code = StringField(_l("Pairing code"), validators=[DataRequired(_l("Type the code shown in the officer console."))])


class PinForm(PostForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Write your username."))])
    pin = PasswordField(_l("PIN"), validators=[DataRequired(_l("Write your PIN."))])


class DutyDayForm(PostForm):
    section = SelectField(_l("Section on duty"), choices=[], validate_choice=False)
    officers = SelectMultipleField(_l("Officers on duty"), choices=[], coerce=int, validate_choice=False,
                                   widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    note = StringField(_l("Note (optional)"), validators=[Length(max=255)])


class SectionForm(PostForm):
    name = StringField(_l("Section name"), validators=[DataRequired(_l("Write the section's name.")), Length(max=120)])
    sort = IntegerField(_l("Order"), default=0, validators=[Optional()])
    active = BooleanField(_l("Takes turns"), default=True)


class UserForm(PostForm):
    username = StringField(_l("Username"))
    full_name = StringField(_l("Full name"))
    role = SelectField(_l("Role"), choices=opts(ROLE_LABELS.items()))
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
    phone = StringField(_l("Work phone (optional)"))
    email = StringField(_l("Work email (optional)"))
    password = PasswordField(_l("Password (at least 12 characters)"))


class SetPasswordForm(PostForm):
    password = PasswordField(_l("New password (at least 12 characters)"),
                             validators=[DataRequired(_l("Write a new password."))])


class SetPinForm(PostForm):
    pin = PasswordField(_l("New PIN (6 to 8 digits; empty: remove the PIN)"))


class OfficeForm(PostForm):
    address = StringField(_l("Address"), validators=[Length(max=255)])
    phone = StringField(_l("Phone"), validators=[Length(max=32)])


class DatedHoursForm(PostForm):
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
    label = StringField(_l("Name, e.g. Ramadan 1448 H"), validators=[DataRequired(_l("Give these hours a name.")),
                                                                   Length(max=120)])
    starts = DateField(_l("From"), validators=[InputRequired(_l("Give the first day."))])
    ends = DateField(_l("Until"), validators=[InputRequired(_l("Give the last day."))])

    def validate_ends(self, field):
        if self.starts.data and field.data and field.data < self.starts.data:
            raise ValidationError(str(_l("The last day comes before the first.")))


class HolidayForm(PostForm):
    office = SelectField(_l("Office"), choices=[], validate_choice=False)
    day = DateField(_l("Date"), validators=[InputRequired(_l("Give the date."))])
    closed = RadioField(_l("On that day"), choices=opts([
        ("1", _l("The office is closed (extra holiday)")),
        ("0", _l("The office is open (a working day after all)")),
    ]), default="1")
    name = StringField(_l("Name or decree"), validators=[Length(max=120)])


class CategoryEditForm(PostForm):
    name_id = StringField(_l("Name (Indonesian)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    hint_id = StringField(_l("Hint (Indonesian)"), validators=[Length(max=255)])
    hint_en = StringField(_l("Hint (English)"), validators=[Length(max=255)])
    agency = SelectField(_l("Responsible agency"), choices=[], validate_choice=False)
    sort = IntegerField(_l("Order"), validators=[Optional()])
    active = BooleanField(_l("Shown to citizens"))


class AgencyForm(PostForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(_l("Kind"), choices=opts([
        ("dinas", _l("Agency (dinas)")), ("satpol", _l("Satpol PP")), ("kelurahan", _l("The kelurahan concerned")),
        ("bumd", _l("City-owned company (BUMD)")), ("unit", _l("Other unit")),
    ]), validate_choice=False)


class RefusalResolveForm(PostForm):
    """Marks a refused kiosk delivery as dealt with (backend/delivery_refusals.py)."""

    note = StringField(_l("What did you do?"), validators=[DataRequired(delivery_refusals.NOTE_REQUIRED),
                                                           Length(max=delivery_refusals.NOTE_MAX)])


class RefusedReportForm(AssistedIntakeForm):
    """Completes a refused kiosk report kept on the server (console/kiosks.py):
    the assisted-intake form without the channel and key, which are the kiosk's
    and the refusal's. `office` stays only so that the assisted-intake choices
    can be reused; it is not shown (the complaint's office is the kiosk's)."""

    idempotency_key = None
    channel = None
    keep_photo = BooleanField(_l("Keep the photo sent from the kiosk"), default=True)
    consent = BooleanField(_l("The citizen agreed to the privacy notice (on the kiosk, or when you contacted them)."))


class ReporterCorrectionForm(PostForm):
    """A citizen's correction of their data (backend/privacy.py): each field
    checked exactly as intake checks it; empty removes the value."""

    name = StringField(_l("Citizen's name"),
                       validators=[Rule(validation.text, required=False, max_chars=validation.NAME_MAX)])
    phone = StringField(_l("Citizen's phone or WhatsApp"), validators=[Rule(validation.phone)])
    email = StringField(_l("Citizen's email"), validators=[Rule(validation.email)])
    nik = StringField(_l("NIK (optional)"), validators=[Rule(validation.nik)])


class ReporterErasureForm(PostForm):
    """A citizen's request to erase their data (backend/retention.py): how and when it came in."""

    note = TextAreaField(_l("The citizen's request: how and when it came in"), validators=[
        DataRequired(_l("Write how and when the citizen asked for their data to be erased.")),
        Rule(validation.text, required=True, max_chars=retention.NOTE_MAX)])
