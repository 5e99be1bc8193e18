"""Sales taxes and an invoice's totals: the table per region, and the sums, to the cent.

The table lives in data/tax_rates.toml (rates change by law; they are data). A line carries one
tax code; a code has one or more components (GST + QST in Quebec). Each code's taxes are
computed on the sum of the rounded nets of the lines that carry it, one rounding per component,
so an invoice's total is exactly the sum of its line nets and of the taxes it shows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources

from store.money import ZERO, cents


@dataclass(frozen=True)
class TaxComponent:
    name: str  # "GST", "QST", ...
    category: str  # UNCL 5305: S, Z, E, O
    rate: Decimal  # percent


@dataclass(frozen=True)
class TaxCode:
    code: str
    labels: dict  # language -> label
    components: tuple[TaxComponent, ...]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.code

    def short_label(self, language: str) -> str:
        """The label without its region in brackets ("GST 5 % + QST 9.975 %"), for a narrow
        column: the rates, which set the amounts, stay whole."""
        return self.label(language).split(" (", 1)[0]

    @property
    def rate(self) -> Decimal:
        """The components' rates together (what one e-invoice line can state)."""
        return sum((c.rate for c in self.components), Decimal(0))

    @property
    def category(self) -> str:
        return self.components[0].category


@cache
def _table() -> dict[str, tuple[TaxCode, ...]]:
    text = resources.files("store").joinpath("data/tax_rates.toml").read_text(encoding="utf-8")
    table = {}
    for region, codes in tomllib.loads(text).items():
        table[region] = tuple(
            TaxCode(c["code"], dict(c["label"]), tuple(
                TaxComponent(p["name"], p["category"], Decimal(p["rate"]))
                for p in c["components"])) for c in codes)
    return table


def codes_for(region: str) -> tuple[TaxCode, ...]:
    """The tax codes a company of `region` may put on its lines, the usual first."""
    table = _table()
    return table.get(region.upper(), table["default"])


def tax_code(region: str, code: str) -> TaxCode:
    for candidate in codes_for(region):
        if candidate.code == code:
            return candidate
    raise KeyError(code)


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return cents(quantity * unit_price)


@dataclass(frozen=True)
class TaxLine:
    """One tax of a document: its code, component, the base and the amount."""

    code: str
    name: str
    category: str
    rate: Decimal
    taxable: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    net: Decimal
    taxes: tuple[TaxLine, ...]

    @property
    def tax(self) -> Decimal:
        return sum((t.amount for t in self.taxes), ZERO)

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def by_name(self) -> list[tuple[str, Decimal]]:
        """Taxes added up per component name, in order of appearance (GST, then QST...)."""
        sums: dict[str, Decimal] = {}
        for t in self.taxes:
            if t.amount or t.category == "S":
                sums[t.name] = sums.get(t.name, ZERO) + t.amount
        return list(sums.items())


def totals(region: str, lines: list[tuple[Decimal, str]]) -> Totals:
    """The totals of lines given as (rounded net, tax code)."""
    bases: dict[str, Decimal] = {}
    for net, code in lines:
        bases[code] = bases.get(code, ZERO) + net
    taxes = []
    for code, base in bases.items():
        for part in tax_code(region, code).components:
            taxes.append(TaxLine(code, part.name, part.category, part.rate, base,
                                 cents(base * part.rate / 100)))
    return Totals(sum((net for net, _code in lines), ZERO), tuple(taxes))


def stated_parts(category: str, rate: Decimal, taxable: Decimal, amount: Decimal,
                 region: str) -> tuple:
    """The taxes inside a subtotal that states only their sum (an e-invoice line carries one
    rate: GST + QST is one subtotal at 14.975 %), worked out from a Canadian seller's rates.

    One component: its name, the amount exactly as sent. Several: each at its rate, rounded
    to the cent, the last taking what is left so the parts add up to the amount as sent (these
    are marked `derived`). No matching code, or a seller outside Canada: one part, "VAT"."""
    from store.documents import TaxPart

    if region.upper() == "CA":
        for code in _table()["CA"]:
            if code.category == category and code.rate == rate:
                parts = code.components
                if len(parts) == 1:
                    return (TaxPart(parts[0].name, rate, amount),)
                shares = [cents(taxable * p.rate / 100) for p in parts[:-1]]
                shares.append(amount - sum(shares, ZERO))
                return tuple(TaxPart(p.name, p.rate, share, derived=True)
                             for p, share in zip(parts, shares, strict=True))
    return (TaxPart("VAT", rate, amount),)
