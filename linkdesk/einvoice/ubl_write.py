"""Writing an invoice as a UBL 2.1 Invoice (or CreditNote) that follows Peppol BIS Billing 3.0.

Built with lxml (escaping and namespaces done by the library, never by string formatting).
Only the invoice's own data goes out: parties, number, dates, currency, lines, taxes, totals,
notes. Every file written passes the official CEN EN 16931 and Peppol artefacts with no fatal
assert, for every tax code of store/data/tax_rates.toml, invoice or credit note, with a due
date or not (tests/test_ubl_export.py runs them on each). What the rules need and the document
lacks is never guessed: `to_ubl` raises CannotExport naming the field, and writes nothing.

Canadian taxes. EN 16931 knows one tax, VAT, given per line as one category and rate
(UBL-SR-48: one ClassifiedTaxCategory a line) and broken down per category and rate, each
breakdown's taxable amount the sum of the lines at that rate (BR-S-08) and its tax that amount
times the rate, give or take one unit (BR-CO-17); the breakdown is keyed on TaxScheme "VAT" and
every subtotal counts towards the total tax (BR-CO-14), so a second scheme's subtotal
(TaxScheme "QST") would be counted twice, and a GST subtotal at 5 % beside a QST one at 9.975 %
for lines at 14.975 % breaks BR-S-08 for both. A subtotal's name (TaxCategory/Name) is allowed
only with a warning (UBL-CR-504), as is anything else that could carry the split. So:

- a code with one component (GST 5 %, HST 13 %, HST 15 %) is category S at its rate;
- a code with two (GST + QST, GST + PST, GST + RST) is one category S at their combined rate
  (14.975 %, 12 %, 11 %), its tax the sum of the components exactly as the invoice computed
  them (one rounding each), which BR-CO-17 accepts;
- zero-rated is Z, exempt E (with the reason BR-E-10 asks for), no tax O (no rate, BR-O-05).

The receiving side reads the subtotal as the file states it (ubl_read) and splits a Canadian
seller's combined rate back into its components by the same table (store.taxes): the first
component its rate of the taxable amount rounded to the cent, the last the rest, which gives
GST and QST exactly as sent when the sender rounds per component, as linkdesk does. 12 % is
GST + PST (British Columbia) and GST + RST (Manitoba) alike: the GST part, the one a firm
claims, is right either way; which provincial tax it was, the rules leave no place to say.

Parties. Peppol needs each party's electronic address (EndpointID, PEPPOL-EN16931-R010/R020) in
a scheme of its EAS list (CL008: not an email address); a seller with standard-rated, zero-rated
or exempt lines needs its tax number (BR-S-02, BR-Z-02, BR-E-02), and every seller an identifier
(BR-CO-26; the participant identifier serves when there is no tax number), while an invoice not
subject to tax must not carry one (BR-O-02). A credit note's due date goes in PaymentMeans with
the code "1" (instrument not defined): UBL's CreditNote has no DueDate, and BR-49 asks for the
code whenever PaymentMeans is there.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from linkdesk.einvoice.ubl_read import CREDIT_NOTE_NS, INVOICE_NS, NS
from store.documents import Document, Party
from store.validate import peppol_schemes

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CBC, CAC = f"{{{NS['cbc']}}}", f"{{{NS['cac']}}}"
TAX_NUMBER_SCHEMES = ("VAT", "GST")  # Party.identifiers that are the party's tax number
NEEDS_SELLER_TAX_NUMBER = ("S", "Z", "E")


class CannotExport(ValueError):
    """The document lacks what the official rules need: `field` says what (a key of
    linkdesk.labels.EXPORT_FIELDS, shown in the preparer's language)."""

    def __init__(self, field: str, detail: str = "") -> None:
        super().__init__(f"{field}: {detail}" if detail else field)
        self.field, self.detail = field, detail


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _rate(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _add(parent, tag: str, text: str | None = None, **attrs):
    node = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    if text is not None:
        node.text = text
    return node


def _tax_number(party: Party) -> str:
    """The party's tax number with its country prefix (BR-CO-09): CA123456782RT0001."""
    for scheme, value in party.identifiers:
        value = value.strip()
        if scheme.upper() in TAX_NUMBER_SCHEMES and value:
            if value[:2].isalpha() or not party.region:
                return value
            return party.region.upper() + value
    return ""


def _check(document: Document) -> None:
    """CannotExport for the first thing the rules need that the document lacks."""
    categories = {line.tax_category for line in document.lines}
    for role, party in (("seller", document.seller), ("buyer", document.buyer)):
        if not party.name.strip():
            raise CannotExport(f"{role}_name")
        if party.endpoint is None or not party.endpoint[1].strip():
            raise CannotExport(f"{role}_endpoint")
        if party.endpoint[0] not in peppol_schemes():
            raise CannotExport(f"{role}_endpoint_scheme", party.endpoint[0])
    if not (document.seller.region or document.buyer.region):
        raise CannotExport("seller_country")
    if categories & set(NEEDS_SELLER_TAX_NUMBER) and not _tax_number(document.seller):
        raise CannotExport("seller_tax_number")
    if "O" in categories and len(categories) > 1:
        raise CannotExport("tax_outside_scope_mixed")  # BR-O-11..14: O stands alone
    if not document.lines:
        raise CannotExport("lines")


def _party(parent, tag: str, party: Party, fallback_region: str, *, seller: bool,
           outside_scope: bool) -> None:
    node = _add(_add(parent, CAC + tag), CAC + "Party")
    scheme, value = party.endpoint or ("", "")
    _add(node, CBC + "EndpointID", value.strip(), schemeID=scheme)
    tax_number = "" if outside_scope else _tax_number(party)
    if seller and not tax_number:  # BR-CO-26: the seller is identified somehow
        _add(_add(node, CAC + "PartyIdentification"), CBC + "ID", value.strip())
    _add(_add(node, CAC + "PartyName"), CBC + "Name", party.name)
    address = _add(node, CAC + "PostalAddress")
    if party.address:
        _add(address, CBC + "StreetName", party.address)
    if party.city:
        _add(address, CBC + "CityName", party.city)
    _add(_add(address, CAC + "Country"), CBC + "IdentificationCode",
         party.region or fallback_region)
    if tax_number:
        tax = _add(node, CAC + "PartyTaxScheme")
        _add(tax, CBC + "CompanyID", tax_number)
        _add(_add(tax, CAC + "TaxScheme"), CBC + "ID", "VAT")
    _add(_add(node, CAC + "PartyLegalEntity"), CBC + "RegistrationName", party.name)
    if party.phone or party.email:
        contact = _add(node, CAC + "Contact")
        if party.phone:
            _add(contact, CBC + "Telephone", party.phone)
        if party.email:
            _add(contact, CBC + "ElectronicMail", party.email)


def _category(parent, tag: str, category: str, rate: Decimal, *, reason: bool = False) -> None:
    node = _add(parent, CAC + tag)
    _add(node, CBC + "ID", category)
    if category != "O":  # BR-O-05, BR-O-14: no rate when not subject to tax
        _add(node, CBC + "Percent", _rate(rate))
    if reason and category == "E":
        _add(node, CBC + "TaxExemptionReason", "Exempt")
    elif reason and category == "O":
        _add(node, CBC + "TaxExemptionReason", "Not subject to tax")
    _add(_add(node, CAC + "TaxScheme"), CBC + "ID", "VAT")


def to_ubl(document: Document) -> bytes:
    """The document as UBL 2.1 XML (UTF-8, with its declaration); CannotExport, naming the
    field, when the document lacks what the official rules need."""
    _check(document)
    credit = document.kind == "credit_note"
    root_ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: root_ns, "cac": NS["cac"], "cbc": NS["cbc"]})
    currency = document.currency
    outside_scope = {line.tax_category for line in document.lines} == {"O"}
    _add(root, CBC + "CustomizationID", CUSTOMIZATION)
    _add(root, CBC + "ProfileID", PROFILE)
    _add(root, CBC + "ID", document.number)
    _add(root, CBC + "IssueDate", document.issue_date)
    if document.due_date and not credit:
        _add(root, CBC + "DueDate", document.due_date)
    _add(root, CBC + ("CreditNoteTypeCode" if credit else "InvoiceTypeCode"),
         "381" if credit else "380")
    if document.notes:
        _add(root, CBC + "Note", document.notes)
    _add(root, CBC + "DocumentCurrencyCode", currency)
    _add(root, CBC + "BuyerReference", document.number)
    if document.corrects_number:
        _add(_add(_add(root, CAC + "BillingReference"), CAC + "InvoiceDocumentReference"),
             CBC + "ID", document.corrects_number)
    region = document.seller.region or document.buyer.region
    _party(root, "AccountingSupplierParty", document.seller, region, seller=True,
           outside_scope=outside_scope)
    _party(root, "AccountingCustomerParty", document.buyer, region, seller=False,
           outside_scope=outside_scope)
    if document.due_date and credit:
        means = _add(root, CAC + "PaymentMeans")
        _add(means, CBC + "PaymentMeansCode", "1")  # BR-49; UNCL 4461: not defined
        _add(means, CBC + "PaymentDueDate", document.due_date)
    if document.terms or not document.due_date:
        _add(_add(root, CAC + "PaymentTerms"), CBC + "Note",
             document.terms or "Payable on receipt")
    first = document.taxes[0] if document.taxes else None
    for is_charge, amount in ((False, document.allowances), (True, document.charges)):
        if amount:  # the document's allowances or charges, as one each (their sums hold)
            node = _add(root, CAC + "AllowanceCharge")
            _add(node, CBC + "ChargeIndicator", "true" if is_charge else "false")
            _add(node, CBC + "AllowanceChargeReason", "Charge" if is_charge else "Allowance")
            _add(node, CBC + "Amount", _money(amount), currencyID=currency)
            if first is not None:
                _category(node, "TaxCategory", first.category, first.rate)
    tax_total = _add(root, CAC + "TaxTotal")
    _add(tax_total, CBC + "TaxAmount", _money(document.tax), currencyID=currency)
    for tax in document.taxes:
        sub = _add(tax_total, CAC + "TaxSubtotal")
        _add(sub, CBC + "TaxableAmount", _money(tax.taxable), currencyID=currency)
        _add(sub, CBC + "TaxAmount", _money(tax.amount), currencyID=currency)
        _category(sub, "TaxCategory", tax.category, tax.rate, reason=True)
    totals = _add(root, CAC + "LegalMonetaryTotal")
    exclusive = document.net - document.allowances + document.charges
    _add(totals, CBC + "LineExtensionAmount", _money(document.net), currencyID=currency)
    _add(totals, CBC + "TaxExclusiveAmount", _money(exclusive), currencyID=currency)
    _add(totals, CBC + "TaxInclusiveAmount", _money(document.total), currencyID=currency)
    rounding = document.payable - document.total + document.prepaid
    for name, amount in (("AllowanceTotalAmount", document.allowances),
                         ("ChargeTotalAmount", document.charges),
                         ("PrepaidAmount", document.prepaid),
                         ("PayableRoundingAmount", rounding)):
        if amount:
            _add(totals, CBC + name, _money(amount), currencyID=currency)
    _add(totals, CBC + "PayableAmount", _money(document.payable), currencyID=currency)
    for n, line in enumerate(document.lines, 1):
        node = _add(root, CAC + ("CreditNoteLine" if credit else "InvoiceLine"))
        _add(node, CBC + "ID", str(n))
        _add(node, CBC + ("CreditedQuantity" if credit else "InvoicedQuantity"),
             format(line.quantity.normalize(), "f"), unitCode="C62")
        _add(node, CBC + "LineExtensionAmount", _money(line.net), currencyID=currency)
        item = _add(node, CAC + "Item")
        _add(item, CBC + "Name", line.description)
        _category(item, "ClassifiedTaxCategory", line.tax_category, line.tax_rate)
        _add(_add(node, CAC + "Price"), CBC + "PriceAmount",
             format(line.unit_price.normalize(), "f"), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def official_faults(data: bytes) -> list[str]:
    """The fatal asserts the official CEN and Peppol artefacts find in a file we wrote, as
    "RULE: text" (none: it may go out). For callers that check before sending; runs saxonche
    (about a second the first time in a process, then milliseconds)."""
    from linkdesk.einvoice import official

    found = official.check(data)
    return [f"{f.rule}: {f.text}" for name in official.STYLESHEETS for f in found[name]
            if f.fatal]
