"""What reaches the CRM: anonymous complaints carry no identity; confidential ones are flagged."""
from backend.crm.payload import MASK, mask_identity
from backend.crm.relay import Relay
from tests.backend.crm.conftest import complaints, file_complaints

NAME, PHONE, EMAIL, NIK = "Budi Santoso", "081234567890", "budi@example.id", "3174011234567890"
IDENTITY = ("Budi", "Santoso", "0812", "81234567890", "+62", EMAIL, NIK, "3174 0112")
TYPED = ("Tolong hubungi saya di 0812-3456-7890 atau +62 812 3456 7890, email budi@example.id, "
         "NIK 3174 0112 3456 7890. Lubang besar di depan sekolah.")


def test_anonymous_complaints_carry_no_identity_on_the_wire(crm, standin):
    file_complaints(1, identity="anonymous", name=NAME, phone=PHONE, email=EMAIL, nik=NIK, description=TYPED)
    file_complaints(1, identity="named", name=NAME, phone=PHONE, email=EMAIL, nik=NIK)
    file_complaints(1, identity="confidential", name=NAME, phone=PHONE, email=EMAIL, nik=NIK)
    with Relay() as relay:
        relay.run(drain=True)
    anonymous, named, confidential = complaints()
    records = {r["idempotency_key"]: r for r in standin.records()}

    wire = records[anonymous.idempotency_key]["received"]
    for field in ("first_name", "last_name", "email", "phone"):
        assert field not in wire["form"]
    everything = wire["body"] + str(wire["headers"]) + str(wire["form"])
    for piece in IDENTITY:
        assert piece not in everything, piece
    assert "Lubang besar di depan sekolah" in wire["form"]["description"][0]
    assert wire["form"]["attribute[anonymous]"] == ["true"]

    wire = records[named.idempotency_key]["received"]["form"]
    assert (wire["first_name"], wire["last_name"], wire["email"], wire["phone"]) == (
        ["Budi"], ["Santoso"], [EMAIL], ["+6281234567890"])
    assert wire["attribute[confidential]"] == ["false"]
    assert NIK not in records[named.idempotency_key]["received"]["body"]  # the NIK is never sent

    record = records[confidential.idempotency_key]
    assert record["received"]["form"]["attribute[confidential]"] == ["true"]
    public = standin.http.get(standin.base_url + f"/requests/{record['crm_number']}.json").json()[0]
    assert public["description"] is None  # the CRM keeps its content from the public list
    assert "first_name" not in public and "email" not in public


def test_masking_catches_what_people_type():
    for text in ("hubungi 0812 3456 7890", "wa +62-812-3456-7890", "telp (021) 7654321", "email a.b@c.co.id",
                 "NIK 3174011234567890", "nik 3174.0112.3456.7890"):
        assert MASK in mask_identity(text), text
    for text in ("RT 005 RW 02", "Jl. Tebet Raya No. 12", "tahun 2024", "pukul 07.30", "jam 14:00-16:00"):
        assert mask_identity(text) == text, text
