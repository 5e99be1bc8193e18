"""Reading a UBL 2.1 Invoice or CreditNote from any system into the shape bills are made of.

lxml parses (libxml2: fast, and it can be told never to expand an entity, fetch a DTD or go on
the network; the standard library's parsers expand internal entities, so an XML bomb costs
memory before any check can run). A document type declaration is refused outright: UBL has
none. The document is checked against the UBL 2.1 schema (ubl_schema), then against the
EN 16931 rules that decide whether the figures can be trusted (mandatory fields BR-01 to BR-16,
the sums BR-CO-10 to BR-CO-17, BR-CO-25): a document that breaks one is refused with every
fault found and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from lxml import etree

from linkdesk.einvoice.ubl_schema import schema_faults
from store.documents import DocLine, DocTax, Document, Party
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
    def __init__(self, root, problems: list[Problem]) -> None:
        self.root, self.problems = root, problems

    def text(self, path: str, node=None) -> str:
        found = (self.root if node is None else node).find(path, NS)
        return (found.text or "").strip() if found is not None and found.text else ""

    def amount(self, path: str, node=None, rule: str = "", required: bool = False) -> Decimal:
        raw = self.text(path, node)
        if not raw:
            if required:
                self.problems.append(Problem(rule, f"{path.split(':')[-1]} is missing"))
            return ZERO
        try:
            value = Decimal(raw)
        except InvalidOperation:
            self.problems.append(Problem(rule or "XML", f"{path.split(':')[-1]} "
                                         f"{raw[:40]!r} is not a number"))
            return ZERO
        if not value.is_finite():
            self.problems.append(Problem(rule or "XML", f"{path} is not a number"))
            return ZERO
        return value


def _party(reader: _Reader, node, role: str, name_rule: str, address_rule: str,
           country_rule: str) -> Party:
    if node is None:
        reader.problems.append(Problem(name_rule, f"the {role} is missing"))
        return Party("")
    legal = reader.text("cac:PartyLegalEntity/cbc:RegistrationName", node)
    trading = reader.text("cac:PartyName/cbc:Name", node)
    if not legal:
        reader.problems.append(Problem(name_rule, f"the {role}'s name is missing"))
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
    if address is None:
        reader.problems.append(Problem(address_rule, f"the {role}'s postal address is missing"))
        street = city = country = ""
    else:
        street = reader.text("cbc:StreetName", address)
        city = reader.text("cbc:CityName", address)
        country = reader.text("cac:Country/cbc:IdentificationCode", address)
        if not country:
            reader.problems.append(Problem(country_rule,
                                           f"the {role}'s country code is missing"))
    return Party(trading or legal, tuple(identifiers),
                 reader.text("cac:Contact/cbc:ElectronicMail", node),
                 reader.text("cac:Contact/cbc:Telephone", node), street, city, country.upper())


def parse(data: bytes) -> Document:
    """The document in `data`, checked; raises UblRefused with every problem found."""
    if len(data) > MAX_BYTES:
        raise UblRefused([Problem("XML", f"the file is {len(data)} bytes; at most {MAX_BYTES}")])
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UblRefused([Problem("XML", f"not well-formed XML: {exc}")]) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UblRefused([Problem("XML", "a document type declaration (DTD, entities) is "
                                  "not allowed in an e-invoice")])
    namespace = etree.QName(root).namespace
    local = etree.QName(root).localname
    if (namespace, local) == (INVOICE_NS, "Invoice"):
        kind, line_tag, quantity_tag, type_tag = ("invoice", "cac:InvoiceLine",
                                                  "cbc:InvoicedQuantity", "cbc:InvoiceTypeCode")
    elif (namespace, local) == (CREDIT_NOTE_NS, "CreditNote"):
        kind, line_tag, quantity_tag, type_tag = ("credit_note", "cac:CreditNoteLine",
                                                  "cbc:CreditedQuantity",
                                                  "cbc:CreditNoteTypeCode")
    else:
        raise UblRefused([Problem("XML", f"not a UBL 2.1 Invoice or CreditNote (the root is "
                                  f"{local[:40]!r} in {str(namespace)[:80]!r})")])
    problems = [Problem("UBL schema", fault) for fault in schema_faults(root, kind)]
    r = _Reader(root, problems)
    for rule, path, what in (("BR-01", "cbc:CustomizationID", "specification identifier"),
                             ("BR-02", "cbc:ID", "invoice number"),
                             ("BR-03", "cbc:IssueDate", "issue date"),
                             ("BR-04", type_tag, "type code"),
                             ("BR-05", "cbc:DocumentCurrencyCode", "currency")):
        if not r.text(path):
            problems.append(Problem(rule, f"the {what} ({path}) is missing"))
    seller = _party(r, root.find("cac:AccountingSupplierParty/cac:Party", NS), "seller",
                    "BR-06", "BR-08", "BR-09")
    buyer = _party(r, root.find("cac:AccountingCustomerParty/cac:Party", NS), "buyer",
                   "BR-07", "BR-10", "BR-11")
    totals = root.find("cac:LegalMonetaryTotal", NS)
    if totals is None:
        problems.append(Problem("BR-12", "LegalMonetaryTotal is missing"))
        totals = etree.Element("empty")
    line_total = r.amount("cbc:LineExtensionAmount", totals, "BR-12", required=True)
    tax_exclusive = r.amount("cbc:TaxExclusiveAmount", totals, "BR-13", required=True)
    tax_inclusive = r.amount("cbc:TaxInclusiveAmount", totals, "BR-14", required=True)
    payable = r.amount("cbc:PayableAmount", totals, "BR-15", required=True)
    allowance_total = r.amount("cbc:AllowanceTotalAmount", totals, "BR-CO-11")
    charge_total = r.amount("cbc:ChargeTotalAmount", totals, "BR-CO-12")
    prepaid = r.amount("cbc:PrepaidAmount", totals, "BR-CO-16")
    rounding = r.amount("cbc:PayableRoundingAmount", totals, "BR-CO-16")
    lines = []
    for node in root.findall(line_tag, NS):
        price = r.amount("cac:Price/cbc:PriceAmount", node, "BR-26")
        base = r.amount("cac:Price/cbc:BaseQuantity", node, "BR-26")
        lines.append(DocLine(
            r.text("cac:Item/cbc:Name", node) or r.text("cac:Item/cbc:Description", node),
            r.amount(quantity_tag, node, "BR-22"), price / base if base else price,
            r.amount("cbc:LineExtensionAmount", node, "BR-24", required=True),
            r.text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", node),
            r.amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", node, "BR-CO-04")))
    if not lines:
        problems.append(Problem("BR-16", "the document has no lines"))
    allowances = charges = ZERO
    for node in root.findall("cac:AllowanceCharge", NS):
        amount = r.amount("cbc:Amount", node, "BR-CO-11")
        if r.text("cbc:ChargeIndicator", node) == "true":
            charges += amount
        else:
            allowances += amount
    currency = r.text("cbc:DocumentCurrencyCode")
    taxes, tax = [], ZERO
    for total in root.findall("cac:TaxTotal", NS):
        amount_node = total.find("cbc:TaxAmount", NS)
        if amount_node is not None and amount_node.get("currencyID") not in (None, currency):
            continue  # the tax in the accounting currency (BT-111): not the document's sums
        tax += r.amount("cbc:TaxAmount", total, "BR-CO-14")
        for sub in total.findall("cac:TaxSubtotal", NS):
            taxes.append(DocTax(r.text("cac:TaxCategory/cbc:ID", sub),
                                r.amount("cac:TaxCategory/cbc:Percent", sub, "BR-CO-17"),
                                r.amount("cbc:TaxableAmount", sub, "BR-CO-17"),
                                r.amount("cbc:TaxAmount", sub, "BR-CO-14")))
    sums = [
        ("BR-CO-10", sum((ln.net for ln in lines), ZERO), line_total,
         "the sum of the line amounts", "LineExtensionAmount"),
        ("BR-CO-11", allowances, allowance_total, "the sum of the allowances",
         "AllowanceTotalAmount"),
        ("BR-CO-12", charges, charge_total, "the sum of the charges", "ChargeTotalAmount"),
        ("BR-CO-13", line_total - allowance_total + charge_total, tax_exclusive,
         "lines - allowances + charges", "TaxExclusiveAmount"),
        ("BR-CO-14", sum((t.amount for t in taxes), ZERO), tax,
         "the sum of the tax subtotals", "TaxAmount"),
        ("BR-CO-15", tax_exclusive + tax, tax_inclusive, "without tax + tax",
         "TaxInclusiveAmount"),
        ("BR-CO-16", tax_inclusive - prepaid + rounding, payable,
         "with tax - prepaid + rounding", "PayableAmount"),
    ]
    for rule, computed, stated, how, name in sums:
        if computed != stated:
            problems.append(Problem(rule, f"{name} is {stated} but {how} is {computed}"))
    warnings = _seller_number_warnings(seller)
    for subtotal in taxes:
        # BR-CO-17 as the EN 16931 validation artefacts state it: the category's tax is its
        # taxable amount times its rate, rounded to cents, give or take less than one unit (a
        # seller may have rounded per line); a cent or more off within that is shown, not refused
        expected = (subtotal.taxable * subtotal.rate / 100).quantize(CENT, ROUND_HALF_UP)
        off = abs(subtotal.amount - expected)
        if off >= 1:
            problems.append(Problem("BR-CO-17", f"the {subtotal.category or '?'} tax at "
                                    f"{subtotal.rate} % on {subtotal.taxable} is "
                                    f"{subtotal.amount}, not {expected}"))
        elif off and "tax_rounded" not in warnings:
            warnings.append("tax_rounded")
    due = r.text("cbc:DueDate") or r.text("cac:PaymentMeans/cbc:PaymentDueDate")
    terms = r.text("cac:PaymentTerms/cbc:Note")
    if payable > 0 and not due and not terms:
        problems.append(Problem("BR-CO-25", "an amount is due but there is neither a due "
                                "date nor payment terms"))
    for path, what in (("cbc:IssueDate", "issue date"), ("cbc:DueDate", "due date")):
        value = r.text(path)
        if value and not _is_date(value):
            problems.append(Problem("XML", f"the {what} {value[:20]!r} is not a date"))
    if problems:
        raise UblRefused(problems)
    notes = "\n".join(n.text.strip() for n in root.findall("cbc:Note", NS) if n.text)
    return Document(
        kind=kind, number=r.text("cbc:ID"), issue_date=r.text("cbc:IssueDate"),
        due_date=due or None, terms=terms, currency=currency, seller=seller, buyer=buyer,
        lines=tuple(lines), taxes=tuple(taxes), net=line_total, tax=tax, total=tax_inclusive,
        payable=payable, notes=notes,
        corrects_number=r.text("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        allowances=allowance_total, charges=charge_total, prepaid=prepaid,
        warnings=tuple(warnings))


def _seller_number_warnings(seller: Party) -> list[str]:
    """A Canadian seller's tax number that fails the CRA's check: shown, not refused (the
    figures can still be trusted; the vendor's registration is for the preparer to verify)."""
    if seller.region != "CA":
        return []
    for scheme, value in seller.identifiers:
        if scheme.upper() in TAX_SCHEMES and tax_id_business_number(value) is None:
            return ["seller_number_invalid"]
    return []


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
