"""E-invoices: every published Peppol sample imports with its totals exactly as in the file; one
amount changed is refused naming the rules; an export imports back equal; malformed XML and an
XML bomb are refused without expanding anything."""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from linkdesk.einvoice.ubl_read import UblRefused, parse
from linkdesk.einvoice.ubl_write import to_ubl

# The published samples live beside the project (../shared/samples/peppol-ubl), never copied
# into it; a checkout elsewhere names them with LINKDESK_UBL_SAMPLES.
CANDIDATES = [Path(p) for p in (os.environ.get("LINKDESK_UBL_SAMPLES"),) if p] + [
    Path(__file__).resolve().parents[2] / "shared" / "samples" / "peppol-ubl",
    Path("/work/shared/samples/peppol-ubl")]
SAMPLES = next((p for p in CANDIDATES if any(p.glob("*.xml"))), CANDIDATES[0])


# Peppol participant identifiers (GLN, D-U-N-S): an export needs one for each party
SELLER_EP, BUYER_EP = ("0088", "0614141000012"), ("0060", "123456789")


def samples() -> list[Path]:
    return sorted(SAMPLES.glob("*.xml"))


def stated(data: bytes, element: str) -> Decimal:
    """An amount as the file states it, read with a plain regular expression (not our parser)."""
    match = re.search(rf"<cbc:{element}[^>]*>\s*([-0-9.]+)\s*<".encode(), data)
    return Decimal(match.group(1).decode())


@pytest.mark.skipif(not samples(), reason="the Peppol samples are not beside this checkout")
@pytest.mark.parametrize("path", samples() or [None], ids=lambda p: getattr(p, "name", "none"))
def test_every_published_sample_imports_with_its_totals_as_in_the_file(path):
    data = path.read_bytes()
    document = parse(data)
    assert document.net == stated(data, "LineExtensionAmount")
    assert document.total == stated(data, "TaxInclusiveAmount")
    assert document.payable == stated(data, "PayableAmount")
    assert document.tax == stated(data, "TaxAmount")
    assert document.lines and all(line.description for line in document.lines)
    assert document.seller.name and document.buyer.name
    assert document.kind == ("credit_note" if b"<CreditNote" in data else "invoice")
    again = parse(to_ubl(document))
    assert (again.net, again.tax, again.total, again.payable) == (
        document.net, document.tax, document.total, document.payable)
    assert again.lines == document.lines and again.taxes == document.taxes
    assert again.seller.name == document.seller.name


def test_one_amount_changed_is_refused_naming_the_rules():
    (base,) = [p for p in samples() if p.name == "base-example.xml"] or [None]
    if base is None:
        pytest.skip("base-example.xml not found")
    data = base.read_bytes().replace(
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.25<',
        b'<cbc:TaxInclusiveAmount currencyID="EUR">1656.35<')
    with pytest.raises(UblRefused) as refused:
        parse(data)
    rules = {p.rule for p in refused.value.problems}
    assert {"BR-CO-15", "BR-CO-16"} <= rules


@pytest.mark.parametrize("data, rule", [
    (b"<Invoice><cbc:ID>1", "XML"),
    (b"not xml at all", "XML"),
    (b"<?xml version='1.0'?><Order xmlns='urn:x'/>", "XML"),
])
def test_malformed_or_foreign_xml_is_refused(data, rule):
    with pytest.raises(UblRefused) as refused:
        parse(data)
    assert refused.value.problems[0].rule == rule


def test_an_xml_bomb_is_refused_without_expanding():
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
            + b"".join(f' <!ENTITY lol{i} "{"&lol" + str(i - 1) + ";" if i > 1 else "&lol;"}'
                       f'{("&lol" + str(i - 1) + ";") * 9 if i > 1 else "&lol;" * 9}">\n'
                       .encode() for i in range(1, 10))
            + b']>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
              b"&lol9;</Invoice>")
    with pytest.raises(UblRefused) as refused:
        parse(bomb)
    assert "document type declaration" in str(refused.value) or \
        refused.value.problems[0].rule == "XML"


def test_an_external_entity_is_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    data = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY s SYSTEM "file://{secret}">]>'
            '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">'
            "<Note>&s;</Note></Invoice>").encode()
    with pytest.raises(UblRefused) as refused:
        parse(data)
    assert "TOP SECRET" not in str(refused.value)


def test_our_own_file_with_one_amount_changed_is_refused():
    from store.documents import DocLine, DocTax, Document, Party

    document = Document(
        "invoice", "E-1", "2026-03-02", "2026-04-01", "", "CAD", Party(
            "Plomberie Gagnon", (("VAT", "CA123456782RT0001"),), region="CA", endpoint=SELLER_EP),
        Party("Toiture Fortin", region="CA", endpoint=BUYER_EP),
        (DocLine("Service", Decimal("1"), Decimal("100"), Decimal("100.00"), "S",
                 Decimal("5")),),
        (DocTax("S", Decimal("5"), Decimal("100.00"), Decimal("5.00")),),
        Decimal("100.00"), Decimal("5.00"), Decimal("105.00"), Decimal("105.00"))
    data = to_ubl(document)
    assert parse(data).total == Decimal("105.00")
    with pytest.raises(UblRefused) as refused:
        parse(data.replace(b'<cbc:LineExtensionAmount currencyID="CAD">100.00</cbc:LineExtension'
                           b'Amount>\n    <cbc:TaxExclusiveAmount',
                           b'<cbc:LineExtensionAmount currencyID="CAD">100.10</cbc:LineExtension'
                           b'Amount>\n    <cbc:TaxExclusiveAmount', 1))
    assert {"BR-CO-10", "BR-CO-13"} <= {p.rule for p in refused.value.problems}


def _own_file(tax: str = "5.00", rate: str = "5") -> bytes:
    from store.documents import DocLine, DocTax, Document, Party

    total = Decimal("100.00") + Decimal(tax)
    return to_ubl(Document(
        "invoice", "E-2", "2026-03-02", "2026-04-01", "", "CAD",
        Party("Plomberie Gagnon", (("VAT", "CA123456782RT0001"),), region="CA",
              endpoint=SELLER_EP), Party("Toiture Fortin", region="CA", endpoint=BUYER_EP),
        (DocLine("Service", Decimal("1"), Decimal("100"), Decimal("100.00"), "S",
                 Decimal(rate)),),
        (DocTax("S", Decimal(rate), Decimal("100.00"), Decimal(tax)),),
        Decimal("100.00"), Decimal(tax), total, total))


def test_a_file_out_of_the_ubl_schema_is_refused_naming_the_element_and_its_line():
    data = _own_file()
    # the lines must come after the totals in a UBL Invoice: move the note to the very end
    moved = data.replace(b"</Invoice>", b"<cbc:Note>late</cbc:Note></Invoice>")
    with pytest.raises(UblRefused) as refused:
        parse(moved)
    (fault,) = [p for p in refused.value.problems if p.rule == "UBL schema"]
    assert "cbc:Note" in fault.found and "not expected" in fault.found
    assert re.match(r"line \d+: ", fault.found)
    unknown = data.replace(b"</cbc:IssueDate>", b"</cbc:IssueDate><cbc:Colour>red</cbc:Colour>")
    with pytest.raises(UblRefused) as refused:
        parse(unknown)
    assert any("cbc:Colour" in p.found for p in refused.value.problems)


def test_a_category_tax_that_is_not_its_rate_is_refused_and_a_cent_off_is_a_warning():
    with pytest.raises(UblRefused) as refused:
        parse(_own_file(tax="6.00"))  # 5 % of 100.00 is 5.00: one dollar off
    assert "BR-CO-17" in {p.rule for p in refused.value.problems}
    rounded = parse(_own_file(tax="5.01"))  # a cent off: a seller rounding per line
    assert rounded.warnings == ("tax_rounded",)
    assert parse(_own_file()).warnings == ()


def test_a_canadian_sellers_tax_number_is_checked_by_its_check_digit():
    from store.documents import DocLine, DocTax, Document, Party

    def with_number(number: str) -> Document:
        return parse(to_ubl(Document(
            "invoice", "E-3", "2026-03-02", "2026-04-01", "", "CAD",
            Party("Plomberie Gagnon", (("GST", number),), region="CA", endpoint=SELLER_EP),
            Party("Toiture Fortin", region="CA", endpoint=BUYER_EP),
            (DocLine("Service", Decimal("1"), Decimal("100"), Decimal("100.00"), "S",
                     Decimal("5")),),
            (DocTax("S", Decimal("5"), Decimal("100.00"), Decimal("5.00")),),
            Decimal("100.00"), Decimal("5.00"), Decimal("105.00"), Decimal("105.00"))))

    assert with_number("123456782RT0001").warnings == ()
    assert with_number("CA 123 456 782 RT 0001").warnings == ()
    assert with_number("123456789RT0001").warnings == ("seller_number_invalid",)


def test_parse_business_number_keeps_the_compact_form_and_refuses_a_bad_check_digit():
    from store.validate import FieldError, parse_business_number

    assert parse_business_number("123 456 782") == "123456782"
    assert parse_business_number("123456782-RT-0001") == "123456782RT0001"
    for bad in ("123456789", "123456782XX0001", "", "12345"):
        with pytest.raises(FieldError):
            parse_business_number(bad)
