"""What an invoice carries from one set of books to another: its own data, never the sender's
accounts or codes. The network, the UBL import and the UBL export all speak this shape."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from store.money import ZERO


def number_key(number: str) -> str:
    """An invoice number as compared for duplicates: no spaces, dashes, dots, slashes or
    leading zeros, any case ("INV-0042" and "inv 42" are one)."""
    parts = re.split(r"[\s\-./_]+", number.casefold())
    return "".join(re.sub(r"(?<!\d)0+(?=\d)", "", part) for part in parts)


RULE_WARNING = "rule:"


def rule_warning(rule: str, text: str) -> str:
    """A finding of the official e-invoice rules as a Document.warnings key: the rule's id and
    the rule's own words (English), so that it can be shown, translated when we have words of
    our own for that rule, long after the file was read."""
    return f"{RULE_WARNING}{rule}:{' '.join(text.split())}"


def split_rule_warning(key: str) -> tuple[str, str] | None:
    """(rule, the rule's own words) of a key made by rule_warning, None for our own keys."""
    if not key.startswith(RULE_WARNING):
        return None
    rule, _sep, text = key[len(RULE_WARNING):].partition(":")
    return rule, text


@dataclass(frozen=True)
class Party:
    """A seller or a buyer as the document names it."""

    name: str
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme, value): ("VAT", "GB123"), ...
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    region: str = ""  # two-letter country code
    # the Peppol participant identifier, (EAS scheme, value): ("0088", "0614141000012")
    endpoint: tuple[str, str] | None = None

    def as_json(self) -> dict:
        data = {"name": self.name, "identifiers": [list(i) for i in self.identifiers],
                "email": self.email, "phone": self.phone, "address": self.address,
                "city": self.city, "region": self.region}
        if self.endpoint:
            data["endpoint"] = list(self.endpoint)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Party:
        endpoint = data.get("endpoint")
        return cls(data.get("name", ""), tuple(tuple(i) for i in data.get("identifiers", [])),
                   data.get("email", ""), data.get("phone", ""), data.get("address", ""),
                   data.get("city", ""), data.get("region", ""),
                   tuple(endpoint) if endpoint else None)


@dataclass(frozen=True)
class DocLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    tax_category: str
    tax_rate: Decimal


@dataclass(frozen=True)
class TaxPart:
    """One tax inside a document's tax subtotal: GST and QST on the same lines are two parts.

    `derived`: the document stated only their sum (a UBL file at 14.975 %), and the parts were
    worked out from the rates; otherwise each amount is exactly as sent."""

    name: str  # "GST", "HST", "QST", "PST", "RST", or the document's own ("VAT")
    rate: Decimal
    amount: Decimal
    derived: bool = False

    def as_json(self) -> dict:
        return {"name": self.name, "rate": str(self.rate), "amount": str(self.amount),
                "derived": self.derived}

    @classmethod
    def from_json(cls, data: dict) -> TaxPart:
        return cls(data["name"], Decimal(data["rate"]), Decimal(data["amount"]),
                   bool(data.get("derived")))


@dataclass(frozen=True)
class DocTax:
    category: str
    rate: Decimal
    taxable: Decimal
    amount: Decimal
    name: str = ""
    parts: tuple[TaxPart, ...] = ()  # each tax apart, when known (GST, QST...)

    def as_json(self) -> dict:
        return {"category": self.category, "rate": str(self.rate), "taxable": str(self.taxable),
                "amount": str(self.amount), "name": self.name,
                "parts": [p.as_json() for p in self.parts]}

    @classmethod
    def from_json(cls, data: dict) -> DocTax:
        return cls(data["category"], Decimal(data["rate"]), Decimal(data["taxable"]),
                   Decimal(data["amount"]), data.get("name", ""),
                   tuple(TaxPart.from_json(p) for p in data.get("parts", ())))


@dataclass(frozen=True)
class Document:
    """An invoice or a credit note, with its figures as its issuer stated them."""

    kind: str  # "invoice" or "credit_note"
    number: str
    issue_date: str  # ISO
    due_date: str | None
    terms: str
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocLine, ...]
    taxes: tuple[DocTax, ...]
    net: Decimal  # the sum of the line nets
    tax: Decimal
    total: Decimal  # with taxes
    payable: Decimal
    notes: str = ""
    corrects_number: str = ""  # a credit note's invoice
    allowances: Decimal = ZERO
    charges: Decimal = ZERO
    prepaid: Decimal = ZERO
    # what the import noticed: our own keys ("tax_rounded", ...) and the official rules'
    # findings (rule_warning); shown with the bill, never a reason to refuse it
    warnings: tuple[str, ...] = field(default=())

    def digest(self) -> str:
        """What the document says, as a hash: the same document received twice has the same
        digest, however its file was laid out; what an import noticed (warnings) is not in it."""
        content = asdict(self)
        content.pop("warnings")
        text = json.dumps(content, sort_keys=True, default=_canonical, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    raise TypeError(type(value).__name__)
