"""Every kind of message we send, scored by SpamAssassin (Debian's shipped rules, local tests
with the network-and-Bayes scores; see tests/spamassassin.py) as composed with an https link
base: no rule that the message's own content or headers cause, and a score below 1.0. A
failure names the rules hit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from linkdesk.einvoice.mail import invoice_mailer
from linkdesk.mail.check import relay_check_message
from linkdesk.mail.outgoing import request_for
from linkdesk.mail.reminders import send_due_reminders
from store.invoices import InvoiceDraft, LineDraft
from store.models import Outbox
from store.reminders import ReminderSettings
from store.validate import Details
from tests.harness import on_sqlite
from tests.helpers import add_client, make_preparer
from tests.spamassassin import need_spamassassin, score_all

BASE = "https://portail.tremblay.ca"
PORTAL = "https://clients.tremblay.ca/"
SENDER = "invitations@tremblay.ca"
YEAR = 2025
pytestmark = pytest.mark.timeout(300)


async def _messages(store, clock) -> dict[str, bytes]:
    """One of each kind, composed and queued as the app and the service do."""
    firm = await make_preparer(store, firm="Cabinet Tremblay & Fils")
    books = await store.network.firm_books(firm.firm_id)
    await store.network.update_profile(
        books, Details("Cabinet Tremblay & Fils", "bonjour@tremblay.ca", "+14185550100"),
        by=firm.id)
    people = {"en": ("Olivia", "Smith", "olivia@example.com"),
              "fr": ("Émilie", "Gagnon", "emilie@example.com")}
    ids = {language: await add_client(store, firm.firm_id, first_name=first, last_name=last,
                                      email=email, language=language)
           for language, (first, last, email) in people.items()}
    messages: dict[str, bytes] = {}

    async def queue(name: str, reinvite: bool = False) -> None:
        for client_id in ids.values():
            client = await store.clients.details(client_id)
            await store.invitations.invite_many(
                [request_for(client, YEAR, firm_name="Cabinet Tremblay & Fils",
                             preparer_name="Marie Tremblay", sender_address=SENDER,
                             reply_to="bonjour@tremblay.ca", portal=PORTAL)],
                firm.id, BASE, reinvite=reinvite)
        for job in await store.invitations.claim_many(10):
            messages[f"{name} ({'fr' if b'fr-CA' in job.raw else 'en'})"] = job.raw
            await store.invitations.delivered(job, "250 OK")

    await queue("invitation")
    await queue("re-invitation", reinvite=True)
    await store.reminders.configure(firm.firm_id, ReminderSettings(on=True, days=7, most=1))
    clock.advance(days=8)
    assert await send_due_reminders(store, SENDER, BASE, PORTAL) == 2
    for job in await store.invitations.claim_many(10):
        messages[f"reminder ({'fr' if b'fr-CA' in job.raw else 'en'})"] = job.raw
        await store.invitations.delivered(job, "250 OK")

    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca", language="fr")
    async with store.write():
        member = await store.network.open_books_for(client_id)
    await store.network.update_profile(member, Details("Toiture Fortin", "compta@fortin.ca"),
                                       by=firm.id)
    customer = await store.network.add_contact(
        member, "customer", Details("Café Lévesque", "cafe@example.com"))
    invoice = await store.invoices.save(member, InvoiceDraft(
        customer, "INV-0001", dt.date(2026, 3, 2), dt.date(2026, 4, 1),
        (LineDraft("Tenue de livres", Decimal("4"), Decimal("100.00"), "GST+QST"),)), firm.id)
    await store.invoices.send(invoice, firm.id,
                              await invoice_mailer(store, invoice, "factures@tremblay.ca"))
    raw = await store.scalar(Outbox.select(Outbox.raw).where(Outbox.invoice == invoice))
    messages["invoice (fr)"] = bytes(raw)
    messages["relay check"] = relay_check_message(SENDER, "marie@tremblay.ca").as_bytes()
    return messages


@on_sqlite  # the messages are the subject, not the database
async def test_every_kind_of_message_scores_clean(store, clock, tmp_path):
    need_spamassassin()
    messages = await _messages(store, clock)
    assert len(messages) == 8, sorted(messages)
    scores = score_all(messages, tmp_path / "spamassassin")
    report = "\n".join(f"  {s.name}: {s.score:.3f} {sorted(s.hits.items())}"
                       for s in scores.values())
    print(f"SpamAssassin, score set 3, local tests:\n{report}")
    assert {s.score_set for s in scores.values()} == {3}
    caused = {s.name: s.caused_by_us for s in scores.values() if s.caused_by_us}
    assert not caused, f"rules our messages hit: {caused}\n{report}"
    high = {s.name: s.score for s in scores.values() if s.score >= 1.0}
    assert not high, f"scores of 1.0 or more: {high}\n{report}"
