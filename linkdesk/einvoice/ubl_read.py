"""Reading a UBL 2.1 Invoice or CreditNote from any system into the shape bills are made of.

lxml parses (libxml2: fast, and it can be told never to expand an entity, fetch a DTD or go on
the network; the standard library's parsers expand internal entities, so an XML bomb costs
memory before any check can run). A document type declaration is refused outright: UBL has
none, and nor is a file over 10 MB. The document is then checked against the UBL 2.1 schema
(ubl_schema) and by the official validation artefacts themselves (official: CEN EN 16931 and
Peppol BIS Billing 3.0, run by SaxonC-HE):

- refused (UblRefused, every problem found, nothing written): XML faults, UBL schema faults,
  and the asserts the CEN EN 16931 artefacts flag fatal: the norm every e-invoice must meet;
- shown with the bill as warnings: the CEN warnings, and every Peppol finding, fatal or not (a
  file that came by email or from another system never crossed Peppol), each with its rule id
  and the rule's own words (store.documents.rule_warning; linkdesk.labels has clearer words of
  our own, in English and French, for the rules a preparer meets most).

No rule of the artefacts is written again here. What stays hand-written is what they do not
check: the safety of the XML above; a Canadian seller's GST/HST number's check digit (the CRA's,
not in EN 16931: a warning, "seller_number_invalid"); and a tax a cent or more off its rate
("tax_rounded": BR-CO-17 allows a unit either way for sellers who round per line, so the
artefacts accept it, but the preparer should know the figure is not the rate's). A date the
schema allows with a time zone is kept as its YYYY-MM-DD.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from linkdesk.einvoice import official
from linkdesk.einvoice.ubl_schema import schema_faults
from store.documents import DocLine, DocTax, Document, Party, rule_warning
from store.money import CENT, ZERO
from store.validate import TAX_SCHEMES, tax_id_business_number

NS = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
      "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}
INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    rule: str  # "BR-CO-10", "XML", ...
    found: str  # what was found, in plain words (English; rules are English names)


class UblRefused(ValueError):
    """The document cannot be trusted: each broken rule and what was found."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.rule}: {p.found}" for p in problems))
        self.problems = problems


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, huge_tree=False, remove_comments=True,
                           remove_pis=True)


class _Reader:
    def __init__(self, root) -> None:
        self.root = root

    def text(self, path: str, node=None) -> str:
        found = (self.root if node is None else node).find(path, NS)
        return (found.text or "").strip() if found is not None and found.text else ""

    def amount(self, path: str, node=None) -> Decimal:
        if node is None and path.startswith("cac:LegalMonetaryTotal"):
            return ZERO
        raw = self.text(path, node)
        if not raw:
            return ZERO
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise _Unreadable(f"{path.split(':')[-1]} {raw[:40]!r} is not a number") from None
        if not value.is_finite():
            raise _Unreadable(f"{path.split(':')[-1]} is not a number")
        return value


def _party(reader: _Reader, node) -> Party:
    if node is None:
        return Party("")
    legal = reader.text("cac:PartyLegalEntity/cbc:RegistrationName", node)
    trading = reader.text("cac:PartyName/cbc:Name", node)
    identifiers = []
    for tax in node.findall("cac:PartyTaxScheme", NS):
        value = reader.text("cbc:CompanyID", tax)
        if value:
            identifiers.append((reader.text("cac:TaxScheme/cbc:ID", tax) or "TAX", value))
    legal_id = node.find("cac:PartyLegalEntity/cbc:CompanyID", NS)
    if legal_id is not None and (legal_id.text or "").strip():
        identifiers.append((legal_id.get("schemeID") or "LEGAL", legal_id.text.strip()))
    endpoint = node.find("cbc:EndpointID", NS)
    if endpoint is not None and (endpoint.text or "").strip():
        identifiers.append((f"EP{endpoint.get('schemeID') or ''}", endpoint.text.strip()))
    address = node.find("cac:PostalAddress", NS)
    street = reader.text("cbc:StreetName", address) if address is not None else ""
    city = reader.text("cbc:CityName", address) if address is not None else ""
    country = (reader.text("cac:Country/cbc:IdentificationCode", address)
               if address is not None else "")
    return Party(trading or legal, tuple(identifiers),
                 reader.text("cac:Contact/cbc:ElectronicMail", node),
                 reader.text("cac:Contact/cbc:Telephone", node), street, city, country.upper(),
                 endpoint=((endpoint.get("schemeID") or "", endpoint.text.strip())
                           if endpoint is not None and (endpoint.text or "").strip() else None))


def root_of(data: bytes):
    """The document's root element, parsed safely, or UblRefused for what is not an e-invoice."""
    if len(data) > MAX_BYTES:
        raise UblRefused([Problem("XML", f"the file is {len(data)} bytes; at most {MAX_BYTES}")])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UblRefused([Problem("XML", _syntax_error(exc))]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UblRefused([Problem("XML", "a document type declaration (DTD, entities) is "
                                  "not allowed in an e-invoice")])
    namespace = etree.QName(root).namespace
    local = etree.QName(root).localname
    if (namespace, local) not in ((INVOICE_NS, "Invoice"), (CREDIT_NOTE_NS, "CreditNote")):
        raise UblRefused([Problem("XML", f"not a UBL 2.1 Invoice or CreditNote (the root is "
                                  f"{local[:40]!r} in {str(namespace)[:80]!r})")])
    return root


def verdict(root) -> tuple[list[Problem], list[str]]:
    """What the UBL schema and the official artefacts say of the document: the problems that
    refuse it (schema faults, CEN fatal asserts) and the warnings (CEN warnings, every Peppol
    finding), as Document.warnings keys."""
    kind = "credit_note" if etree.QName(root).localname == "CreditNote" else "invoice"
    problems = [Problem("UBL schema", fault) for fault in schema_faults(root, kind)]
    found = official.check(etree.tostring(root, encoding="unicode"))
    warnings: list[str] = []
    for finding in found[official.CEN]:
        if finding.fatal:
            problems.append(Problem(finding.rule, finding.text))
        else:
            _add_warning(warnings, finding)
    for finding in found[official.PEPPOL]:
        _add_warning(warnings, finding)
    return problems, warnings


def _add_warning(warnings: list[str], finding: official.Finding) -> None:
    key = rule_warning(finding.rule, finding.text)
    if key not in warnings:  # an assert that fails on every line is said once
        warnings.append(key)


def parse(data: bytes) -> Document:
    """The document in `data`, checked; raises UblRefused with every problem found."""
    root = root_of(data)
    problems, warnings = verdict(root)
    if problems:
        raise UblRefused(problems)
    try:
        return _document(root, warnings)
    except _Unreadable as exc:  # what the schema and the rules let through but we cannot use
        raise UblRefused([Problem("XML", str(exc))]) from None


class _Unreadable(ValueError):
    pass


def _document(root, official_warnings: list[str]) -> Document:
    if etree.QName(root).localname == "CreditNote":
        kind, line_tag, quantity_tag = "credit_note", "cac:CreditNoteLine", "cbc:CreditedQuantity"
    else:
        kind, line_tag, quantity_tag = "invoice", "cac:InvoiceLine", "cbc:InvoicedQuantity"
    r = _Reader(root)
    seller = _party(r, root.find("cac:AccountingSupplierParty/cac:Party", NS))
    buyer = _party(r, root.find("cac:AccountingCustomerParty/cac:Party", NS))
    totals = root.find("cac:LegalMonetaryTotal", NS)
    line_total = r.amount("cbc:LineExtensionAmount", totals)
    tax_inclusive = r.amount("cbc:TaxInclusiveAmount", totals)
    payable = r.amount("cbc:PayableAmount", totals)
    allowance_total = r.amount("cbc:AllowanceTotalAmount", totals)
    charge_total = r.amount("cbc:ChargeTotalAmount", totals)
    prepaid = r.amount("cbc:PrepaidAmount", totals)
    lines = []
    for node in root.findall(line_tag, NS):
        price = r.amount("cac:Price/cbc:PriceAmount", node)
        base = r.amount("cac:Price/cbc:BaseQuantity", node)
        lines.append(DocLine(
            r.text("cac:Item/cbc:Name", node) or r.text("cac:Item/cbc:Description", node),
            r.amount(quantity_tag, node), price / base if base else price,
            r.amount("cbc:LineExtensionAmount", node),
            r.text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", node),
            r.amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", node)))
    currency = r.text("cbc:DocumentCurrencyCode")
    taxes, tax = [], ZERO
    for total in root.findall("cac:TaxTotal", NS):
        amount_node = total.find("cbc:TaxAmount", NS)
        if amount_node is not None and amount_node.get("currencyID") not in (None, currency):
            continue  # the tax in the accounting currency (BT-111): not the document's sums
        tax += r.amount("cbc:TaxAmount", total)
        for sub in total.findall("cac:TaxSubtotal", NS):
            taxes.append(DocTax(r.text("cac:TaxCategory/cbc:ID", sub),
                                r.amount("cac:TaxCategory/cbc:Percent", sub),
                                r.amount("cbc:TaxableAmount", sub),
                                r.amount("cbc:TaxAmount", sub)))
    warnings = _seller_number_warnings(seller)
    for subtotal in taxes:
        # a category's tax a cent or more off its taxable amount times its rate: the CEN
        # artefacts allow it (BR-CO-17 gives or takes one unit, for a seller who rounds per
        # line); shown, so that the preparer knows the file's figure is not the rate's
        expected = (subtotal.taxable * subtotal.rate / 100).quantize(CENT, ROUND_HALF_UP)
        if subtotal.amount != expected and "tax_rounded" not in warnings:
            warnings.append("tax_rounded")
    due = _date(r.text("cbc:DueDate") or r.text("cac:PaymentMeans/cbc:PaymentDueDate"))
    notes = "\n".join(n.text.strip() for n in root.findall("cbc:Note", NS) if n.text)
    return Document(
        kind=kind, number=r.text("cbc:ID"), issue_date=_date(r.text("cbc:IssueDate")),
        due_date=due or None, terms=r.text("cac:PaymentTerms/cbc:Note"), currency=currency,
        seller=seller, buyer=buyer, lines=tuple(lines), taxes=tuple(taxes), net=line_total,
        tax=tax, total=tax_inclusive, payable=payable, notes=notes,
        corrects_number=r.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        allowances=allowance_total, charges=charge_total, prepaid=prepaid,
        warnings=(*warnings, *official_warnings))


def _seller_number_warnings(seller: Party) -> list[str]:
    """A Canadian seller's tax number that fails the CRA's check: shown, not refused (the
    figures can still be trusted; the vendor's registration is for the preparer to verify)."""
    if seller.region != "CA":
        return []
    for scheme, value in seller.identifiers:
        if scheme.upper() in TAX_SCHEMES and tax_id_business_number(value) is None:
            return ["seller_number_invalid"]
    return []


def _date(value: str) -> str:
    """An xsd:date as the store keeps it: YYYY-MM-DD (a time zone the schema allows dropped)."""
    import datetime as dt

    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise _Unreadable(f"the date {value[:20]!r} is not a date") from None


def _syntax_error(exc: etree.XMLSyntaxError) -> str:
    """libxml2's complaint about a file that is not XML, where it is, said once."""
    import re

    line, column = exc.position if exc.position else (exc.lineno, 0)
    what = re.sub(r"(, line \d+, column \d+|\s*\(<string>, line \d+\))+$", "",
                  str(exc.msg or exc)).strip()
    return f"not well-formed XML at line {line}, column {column}: {what}"
