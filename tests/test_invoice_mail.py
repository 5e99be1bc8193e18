"""An invoice by email, as its customer reads it: in the customer's language (its own, else its
company's) whatever language the preparer works in, from the seller by name with replies to the
seller, and dated in the sender's time zone."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from email import message_from_bytes
from email.policy import default

import pytest

from linkdesk import i18n
from linkdesk.einvoice.mail import invoice_mailer
from store.invoices import InvoiceDraft, LineDraft
from store.models import Company, Outbox
from store.validate import Details
from tests.helpers import add_client, make_preparer


@pytest.fixture
def toronto(monkeypatch):
    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


async def _invoice_to(store, language: str, company_language: str | None = None):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        books = await store.network.open_books_for(client_id)
    await store.network.update_profile(books, Details("Toiture Fortin", "compta@fortin.ca"),
                                       by=firm.id)
    if company_language:
        await store.execute(Company.update(language=company_language)
                            .where(Company.id == books))
    customer = await store.network.add_contact(
        books, "customer", Details("Café Lévesque", "cafe@example.com"), language=language)
    invoice = await store.invoices.save(books, InvoiceDraft(
        customer, "INV-0001", dt.date(2026, 3, 2), dt.date(2026, 4, 1),
        (LineDraft("Tenue de livres", Decimal("4"), Decimal("1000.00"), "GST+QST"),)), firm.id)
    return firm, invoice


async def _sent(store, firm, invoice):
    mail = await invoice_mailer(store, invoice, "factures@tremblay.ca")
    await store.invoices.send(invoice, firm.id, mail)
    raw = await store.scalar(Outbox.select(Outbox.raw).where(Outbox.invoice == invoice))
    return message_from_bytes(bytes(raw), policy=default)


@pytest.mark.parametrize(("own", "company"), [("fr", None), ("", "fr")])
async def test_a_french_customer_reads_its_invoice_in_french(store, toronto, own, company):
    i18n.set_language("en")  # the preparer works in English
    firm, invoice = await _invoice_to(store, own, company)
    message = await _sent(store, firm, invoice)
    text = message.get_body(("plain",)).get_content()
    assert str(message["Subject"]) == "Facture INV-0001 de Toiture Fortin"
    assert "Émise le\u00a0: 2 mars 2026" in text
    assert "Tenue de livres\u00a0: 4 x 1\u00a0000,00 = 4\u00a0000,00" in text
    assert "Échéance\u00a0: 1 avril 2026" in text
    assert "Total\u00a0: 4\u00a0599,00 CAD" in text.replace("\u202f", "\u00a0")
    assert message["Content-Language"] == "fr-CA"
    assert message["From"].addresses[0].display_name == "Toiture Fortin"
    assert message["Reply-To"].addresses[0].addr_spec == "compta@fortin.ca"
    assert message["Date"].datetime.utcoffset() in (dt.timedelta(hours=-5),
                                                    dt.timedelta(hours=-4))


async def test_an_english_customer_of_a_french_company_reads_english(store, toronto):
    i18n.set_language("fr")  # the preparer works in French
    try:
        firm, invoice = await _invoice_to(store, "en", "fr")
        message = await _sent(store, firm, invoice)
    finally:
        i18n.set_language("en")
    assert str(message["Subject"]) == "Invoice INV-0001 from Toiture Fortin"
    assert "Due: April 1, 2026" in message.get_body(("plain",)).get_content()
