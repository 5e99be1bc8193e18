"""Writing an invoice as a UBL 2.1 Invoice (or CreditNote) that follows Peppol BIS Billing 3.0.

Built with lxml (escaping and namespaces done by the library, never by string formatting).
Only the invoice's own data goes out: parties, number, dates, currency, lines, taxes, totals,
notes. A Canadian code with two components (GST + QST) is one line category at their combined
rate, its tax the sum of the components as the invoice shows them.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from linkdesk.einvoice.ubl_read import CREDIT_NOTE_NS, INVOICE_NS, NS
from store.documents import Document, Party

CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CBC, CAC = f"{{{NS['cbc']}}}", f"{{{NS['cac']}}}"


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


def _party(parent, tag: str, party: Party, fallback_region: str) -> None:
    node = _add(_add(parent, CAC + tag), CAC + "Party")
    if party.email:
        _add(node, CBC + "EndpointID", party.email, schemeID="EM")
    _add(_add(node, CAC + "PartyName"), CBC + "Name", party.name)
    address = _add(node, CAC + "PostalAddress")
    if party.address:
        _add(address, CBC + "StreetName", party.address)
    if party.city:
        _add(address, CBC + "CityName", party.city)
    _add(_add(address, CAC + "Country"), CBC + "IdentificationCode",
         party.region or fallback_region)
    for scheme, value in party.identifiers:
        if scheme in ("VAT", "GST"):
            tax = _add(node, CAC + "PartyTaxScheme")
            _add(tax, CBC + "CompanyID", value)
            _add(_add(tax, CAC + "TaxScheme"), CBC + "ID", "VAT")
    _add(_add(node, CAC + "PartyLegalEntity"), CBC + "RegistrationName", party.name)
    if party.phone or party.email:
        contact = _add(node, CAC + "Contact")
        if party.phone:
            _add(contact, CBC + "Telephone", party.phone)
        if party.email:
            _add(contact, CBC + "ElectronicMail", party.email)


def to_ubl(document: Document) -> bytes:
    """The document as UBL 2.1 XML (UTF-8, with its declaration)."""
    credit = document.kind == "credit_note"
    root_ns = CREDIT_NOTE_NS if credit else INVOICE_NS
    root = etree.Element(f"{{{root_ns}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: root_ns, "cac": NS["cac"], "cbc": NS["cbc"]})
    currency = document.currency
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
    region = document.seller.region or "CA"
    _party(root, "AccountingSupplierParty", document.seller, region)
    _party(root, "AccountingCustomerParty", document.buyer, region)
    if document.due_date and credit:
        _add(_add(root, CAC + "PaymentMeans"), CBC + "PaymentDueDate", document.due_date)
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
                category = _add(node, CAC + "TaxCategory")
                _add(category, CBC + "ID", first.category)
                _add(category, CBC + "Percent", _rate(first.rate))
                _add(_add(category, CAC + "TaxScheme"), CBC + "ID", "VAT")
    tax_total = _add(root, CAC + "TaxTotal")
    _add(tax_total, CBC + "TaxAmount", _money(document.tax), currencyID=currency)
    for tax in document.taxes:
        sub = _add(tax_total, CAC + "TaxSubtotal")
        _add(sub, CBC + "TaxableAmount", _money(tax.taxable), currencyID=currency)
        _add(sub, CBC + "TaxAmount", _money(tax.amount), currencyID=currency)
        category = _add(sub, CAC + "TaxCategory")
        _add(category, CBC + "ID", tax.category)
        _add(category, CBC + "Percent", _rate(tax.rate))
        if tax.category == "E":
            _add(category, CBC + "TaxExemptionReason", "Exempt")
        _add(_add(category, CAC + "TaxScheme"), CBC + "ID", "VAT")
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
        category = _add(item, CAC + "ClassifiedTaxCategory")
        _add(category, CBC + "ID", line.tax_category)
        _add(category, CBC + "Percent", _rate(line.tax_rate))
        _add(_add(category, CAC + "TaxScheme"), CBC + "ID", "VAT")
        _add(_add(node, CAC + "Price"), CBC + "PriceAmount",
             format(line.unit_price.normalize(), "f"), currencyID=currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
