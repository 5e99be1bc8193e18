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

SAMPLES = Path(os.environ.get("LINKDESK_UBL_SAMPLES")
               or Path(__file__).resolve().parents[2] / "shared" / "samples" / "peppol-ubl")


def samples() -> list[Path]:
    found = sorted(SAMPLES.glob("*.xml"))
    if not found and os.environ.get("CI") == "true":
        raise RuntimeError(f"the Peppol samples are missing from {SAMPLES}")
    return found


def stated(data: bytes, element: str) -> Decimal:
    """An amount as the file states it, read with a plain regular expression (not our parser)."""
    match = re.search(rf"<cbc:{element}[^>]*>\s*([-0-9.]+)\s*<".encode(), data)
    return Decimal(match.group(1).decode())


@pytest.mark.parametrize("path", samples(), ids=lambda p: p.name)
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
    assert "1656.35" in str(refused.value)


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
