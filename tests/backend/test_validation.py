import pytest

from backend import validation
from backend.validation import Invalid


@pytest.mark.parametrize("typed,stored", [
    ("0812-3456-7890", "+6281234567890"),
    ("+62 812 3456 7890", "+6281234567890"),
    ("6281234567890", "+6281234567890"),
    ("(021) 7209 000", "+62217209000"),
    ("", None),
])
def test_phone_accepts_indonesian_numbers(typed, stored):
    assert validation.phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "+1 415 555 0100", "0812-34", "08123456789012345", "abc0812345678"])
def test_phone_rejects_malformed(typed):
    with pytest.raises(Invalid):
        validation.phone(typed)


def test_email():
    assert validation.email(" Siti@Example.ID ") == "Siti@example.id"
    assert validation.email("") is None
    for bad in ("siti@", "siti.example.id", "a b@c.id"):
        with pytest.raises(Invalid):
            validation.email(bad)


def test_nik_is_16_digits():
    assert validation.nik("3174 0112 3456 7890") == "3174011234567890"
    for bad in ("317401123456789", "31740112345678901", "31740112345678ab"):
        with pytest.raises(Invalid):
            validation.nik(bad)


def test_rt_rw():
    assert validation.rt_rw("5") == "005"
    with pytest.raises(Invalid):
        validation.rt_rw("12a")
    with pytest.raises(Invalid):
        validation.rt_rw("1234")


def test_text_limits():
    assert validation.text("  hello world  ", required=True, max_chars=20) == "hello world"
    with pytest.raises(Invalid):
        validation.text("   ", required=True, max_chars=20)
    with pytest.raises(Invalid):
        validation.text("x" * 21, required=True, max_chars=20)
    with pytest.raises(Invalid):
        validation.text("short", required=True, max_chars=20, min_chars=10)
