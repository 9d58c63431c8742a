"""Damm check digit (H. Michael Damm, 2004).

Chosen over Luhn because it catches every single-digit error and every
adjacent transposition (Luhn misses 09 <-> 90), which are the mistakes people
make when reading a number aloud or typing it from a receipt.
"""

# The weakly totally anti-symmetric quasigroup of order 10 from Damm's thesis.
_TABLE = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _interim(digits: str) -> int:
    interim = 0
    for ch in digits:
        interim = _TABLE[interim][int(ch)]
    return interim


def check_digit(digits: str) -> str:
    """The digit to append to `digits` (a string of 0-9)."""
    if not digits.isdigit():
        raise ValueError("digits only")
    return str(_interim(digits))


def is_valid(digits_with_check: str) -> bool:
    return digits_with_check.isdigit() and _interim(digits_with_check) == 0
