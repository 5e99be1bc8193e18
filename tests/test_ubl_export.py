"""What we write passes the official artefacts: every tax code of store/data/tax_rates.toml, as
an invoice and as a credit note, with and without a due date, gives no fatal assert from CEN
EN 16931 nor from Peppol BIS 3.0; each reads back (the `bills import` path) with its taxes apart;
and a party lacking what the rules need is refused by name, nothing written."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from linkdesk.einvoice import official
from linkdesk.einvoice.ubl_read import parse
from linkdesk.einvoice.ubl_write import CannotExport, to_ubl
from store.documents import DocLine, DocTax, Document, Party
from store.money import ZERO, cents
from store.taxes import codes_for, tax_code, totals

REGIONS = ("CA", "default")
CODES = [(region, code.code) for region in REGIONS for code in codes_for(region)]


def seller(region: str, **changes) -> Party:
    fields = dict(name="Plomberie Gagnon inc.", identifiers=(("VAT", "CA123456782RT0001"),),
                  email="factures@gagnon.example", phone="+1 514 555 0100",
                  address="12 rue Principale", city="Montréal", region=region,
                  endpoint=("0088", "0614141000012"))
    if region != "CA":
        fields.update(identifiers=(), region="FR", city="Lyon", endpoint=("0009", "12345678900017"))
    fields.update(changes)
    return Party(**fields)


def buyer(region: str, **changes) -> Party:
    fields = dict(name="Toiture Fortin ltée", email="compta@fortin.example",
                  address="4 boul. Nord", city="Québec", region="CA" if region == "CA" else "FR",
                  endpoint=("0060", "123456789"))
    fields.update(changes)
    return Party(**fields)


def document(region: str, code: str, kind: str = "invoice", due: str | None = "2026-04-01",
             **changes) -> Document:
    """A document as store.invoices.document builds one: lines per code, one tax subtotal per
    category and combined rate, each component rounded on its own."""
    tax = tax_code(region if region == "CA" else "XX", code)
    lines = (DocLine("Réparation de toiture", Decimal("3"), Decimal("333.33"), Decimal("999.99"),
                     tax.category, tax.rate),
             DocLine("Déplacement", Decimal("1"), Decimal("45.5"), Decimal("45.50"),
                     tax.category, tax.rate))
    result = totals(region if region == "CA" else "XX",
                    [(line.net, code) for line in lines])
    taxes = (DocTax(tax.category, tax.rate, cents(sum((t.taxable for t in result.taxes[:1]),
                                                      ZERO)),
                    cents(result.tax), "+".join(c.name for c in tax.components if c.name)),)
    fields = dict(kind=kind, number=f"F-{code}-{kind}", issue_date="2026-03-02", due_date=due,
                  terms="", currency="CAD" if region == "CA" else "EUR", seller=seller(region),
                  buyer=buyer(region), lines=lines, taxes=taxes, net=result.net, tax=result.tax,
                  total=result.total, payable=result.total,
                  corrects_number="F-1" if kind == "credit_note" else "")
    fields.update(changes)
    return Document(**fields)


CASES = list(itertools.product(CODES, ("invoice", "credit_note"), ("2026-04-01", None)))


def _fatal(data: bytes) -> list[str]:
    found = official.check(data)
    return [f"{name.split('-')[0]} {f.rule} at {f.location}: {f.text}"
            for name in official.STYLESHEETS for f in found[name] if f.fatal]


def test_every_export_passes_cen_and_peppol_with_no_fatal_assert():
    faults = []
    for (region, code), kind, due in CASES:
        data = to_ubl(document(region, code, kind, due))
        faults += [f"{code} {kind} due={due}: {fault}" for fault in _fatal(data)]
    assert not faults, f"{len(faults)} fatal asserts:\n" + "\n".join(faults)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0][1]}-{c[1]}-{c[2] or 'nodue'}")
def test_every_export_reads_back_with_its_taxes_apart(case):
    (region, code), kind, due = case
    sent = document(region, code, kind, due)
    back = parse(to_ubl(sent))  # what `bills import` runs
    assert (back.kind, back.number, back.total, back.payable, back.tax) == (
        sent.kind, sent.number, sent.total, sent.payable, sent.tax)
    assert back.due_date == due
    assert not [w for w in back.warnings if "PEPPOL" in w], back.warnings
    assert [(t.category, t.rate, t.taxable, t.amount) for t in back.taxes] == [
        (t.category, t.rate, t.taxable, t.amount) for t in sent.taxes]
    if region == "CA":  # each component apart, as the receiving books split the subtotal
        computed = totals("CA", [(line.net, code) for line in sent.lines])
        assert split(back.taxes[0]) == [(t.rate, t.amount) for t in computed.taxes]


def split(subtotal: DocTax) -> list[tuple[Decimal, Decimal]]:
    """A Canadian subtotal split by its code's rates: each component but the last rounded on
    its own, the last the rest (as the receiving books do, store.taxes)."""
    code = next(c for c in codes_for("CA")  # 12 %: GST + PST or + RST, the same shares
                if c.category == subtotal.category and c.rate == subtotal.rate)
    shares = [cents(subtotal.taxable * c.rate / 100) for c in code.components[:-1]]
    shares.append(subtotal.amount - sum(shares, ZERO))
    return [(c.rate, share) for c, share in zip(code.components, shares, strict=True)]


def test_gst_and_qst_travel_as_one_rate_and_split_back_exactly():
    sent = document("CA", "GST+QST")
    data = to_ubl(sent)
    assert data.count(b"<cbc:Percent>14.975</cbc:Percent>") == 3  # two lines, one subtotal
    (subtotal,) = parse(data).taxes
    assert split(subtotal) == [(Decimal("5"), Decimal("52.27")),
                               (Decimal("9.975"), Decimal("104.29"))]


@pytest.mark.parametrize("changes, field", [
    ({"seller": seller("CA", endpoint=None)}, "seller_endpoint"),
    ({"buyer": buyer("CA", endpoint=None)}, "buyer_endpoint"),
    ({"buyer": buyer("CA", endpoint=("EM", "compta@fortin.example"))}, "buyer_endpoint_scheme"),
    ({"seller": seller("CA", identifiers=())}, "seller_tax_number"),
    ({"seller": seller("CA", name="")}, "seller_name"),
])
def test_a_party_lacking_what_the_rules_need_is_named_and_nothing_is_written(changes, field):
    with pytest.raises(CannotExport) as refused:
        to_ubl(document("CA", "GST", **changes))
    assert refused.value.field == field


def test_a_seller_with_no_tax_number_may_export_what_is_not_subject_to_tax():
    sent = document("default", "NONE", seller=seller("default", identifiers=()))
    assert not _fatal(to_ubl(sent))
