"""Amounts as Decimal, never float: parsed from what a person or a file wrote, kept to the cent.

Rounding is half up (commercial rounding, what Canadian tax authorities and EN 16931 expect);
every amount a document states is kept as stated, never recomputed.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
_TYPED = re.compile(r"^[+-]?(\d{1,15}(?:[ \u00a0\u202f,]\d{3})*|\d+)(?:[.,]\d+)?$")


class AmountError(ValueError):
    """Not an amount: `code` says why ("empty", "invalid", "negative", "too_precise")."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def cents(value: Decimal) -> Decimal:
    """`value` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_decimal(text: str, *, places: int = 4, negative: bool = False) -> Decimal:
    """A number as typed in either language: "1 234,50", "1,234.50", "1234.5", "12"."""
    raw = (text or "").strip()
    if not raw:
        raise AmountError("empty")
    if not _TYPED.match(raw):
        raise AmountError("invalid")
    digits = re.sub(r"[ \u00a0\u202f]", "", raw)
    if "," in digits and "." in digits:  # "1,234.50": the comma groups
        digits = digits.replace(",", "")
    elif digits.count(",") == 1 and len(digits.rsplit(",", 1)[1]) != 3:  # "12,5": decimal
        digits = digits.replace(",", ".")
    elif "," in digits:  # "1,234" groups thousands
        digits = digits.replace(",", "")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise AmountError("invalid") from None
    if value < 0 and not negative:
        raise AmountError("negative")
    exponent = value.as_tuple().exponent  # an int: _TYPED lets no NaN or Infinity through
    if isinstance(exponent, int) and -exponent > places:
        raise AmountError("too_precise")
    return value


def as_decimal(value: object) -> Decimal:
    """A stored amount (text, int or Decimal) as a Decimal; never goes through float."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("amounts are never floats")
    return Decimal(str(value))
