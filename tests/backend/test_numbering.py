import random

import pytest

from backend import damm, numbering
from backend.numbering import NumberError, format_number, parse_number


def test_damm_known_vector():
    # Damm's worked example: 572 -> check digit 4.
    assert damm.check_digit("572") == "4"
    assert damm.is_valid("5724")
    assert not damm.is_valid("5723")


def test_damm_catches_every_single_digit_error_and_adjacent_swap():
    rng = random.Random(20261128)
    for _ in range(300):
        body = "".join(rng.choice("0123456789") for _ in range(11))
        full = body + damm.check_digit(body)
        assert damm.is_valid(full)
        for i in range(len(full)):
            for d in "0123456789":
                if d != full[i]:
                    assert not damm.is_valid(full[:i] + d + full[i + 1:])
        for i in range(len(full) - 1):
            if full[i] != full[i + 1]:
                swapped = full[:i] + full[i + 1] + full[i] + full[i + 2:]
                assert not damm.is_valid(swapped)


def test_luhn_would_miss_09_90_but_damm_does_not():
    assert damm.check_digit("09") != damm.check_digit("90")


def test_format_is_short_readable_and_names_the_office():
    n = format_number("0101", 2026, 42)
    assert n.startswith("0101-26-00042-")
    assert len(n) <= 16
    assert parse_number(n).office_code == "0101"
    assert damm.is_valid(n.replace("-", ""))


@pytest.mark.parametrize("typed", ["0101 26 00042 {c}", "01012600042{c}", " 0101-26-00042-{c} ", "0101.26.00042.{c}"])
def test_parse_accepts_separators_and_spaces(typed):
    c = damm.check_digit("01012600042")
    parsed = parse_number(typed.format(c=c))
    assert str(parsed) == f"0101-26-00042-{c}"
    assert parsed.sequence == 42 and parsed.year == 26


@pytest.mark.parametrize("typed", ["", "0101-26-0042", "0101-26-000420-1-2", "ABCD-26-00042-1", "JK2306180342"])
def test_parse_rejects_wrong_shape(typed):
    with pytest.raises(NumberError) as err:
        parse_number(typed)
    assert err.value.reason == "shape"


def test_parse_rejects_a_typo_by_its_check_digit():
    good = format_number("0302", 26, 1234)
    digits = good.replace("-", "")
    typo = digits[:7] + str((int(digits[7]) + 1) % 10) + digits[8:]
    with pytest.raises(NumberError) as err:
        parse_number(typo)
    assert err.value.reason == "check"


def test_sequence_bounds():
    with pytest.raises(numbering.SequenceExhausted):
        format_number("0101", 26, numbering.MAX_SEQUENCE + 1)
    with pytest.raises(ValueError):
        format_number("101", 26, 1)
