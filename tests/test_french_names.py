"""French before a name: "de Acme" reads "d'Acme", "de Le Groupe Forget" reads "du Groupe
Forget", in every French message and page built from a firm's or a client's name (one helper,
linkdesk.i18n.fill / fit); names that start with a vowel, an accent, a mute or aspirated h."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

import aiohttp
import pytest
from babel.messages.pofile import read_po

from linkdesk import i18n
from linkdesk.i18n import LOCALE_DIR, fill
from linkdesk.web.accept import make_web_app, start_site
from tests.helpers import add_client, make_preparer
from tests.test_invitation_flow import _text, invite, link_in
from tests.test_invoice_mail import _invoice_to, _sent

DE = "Votre invitation de {firm} est acceptée."


@pytest.mark.parametrize(("name", "said"), [
    ("Acme Fiscalité", "Votre invitation d'Acme Fiscalité est acceptée."),
    ("Émilie Gagnon", "Votre invitation d'Émilie Gagnon est acceptée."),
    ("Hélène Roy CPA", "Votre invitation d'Hélène Roy CPA est acceptée."),
    ("Hydro-Québec", "Votre invitation d'Hydro-Québec est acceptée."),
    ("Yves Ouellet", "Votre invitation d'Yves Ouellet est acceptée."),
    ("ultramar", "Votre invitation d'ultramar est acceptée."),
    ("Hockey Canada", "Votre invitation de Hockey Canada est acceptée."),  # h aspiré
    ("Yannick Roy", "Votre invitation de Yannick Roy est acceptée."),
    ("Cabinet Tremblay", "Votre invitation de Cabinet Tremblay est acceptée."),
    ("L'Oréal", "Votre invitation de L'Oréal est acceptée."),
    ("8 à 5 inc.", "Votre invitation de 8 à 5 inc. est acceptée."),
    ("Le Groupe Forget", "Votre invitation du Groupe Forget est acceptée."),
    ("Les Entreprises Roy", "Votre invitation des Entreprises Roy est acceptée."),
    ("La Capitale", "Votre invitation de La Capitale est acceptée."),
    ("Lemieux inc.", "Votre invitation de Lemieux inc. est acceptée."),
])
def test_de_before_a_name(name, said):
    assert fill(DE, firm=name) == said


def test_a_before_a_name_and_the_name_said_twice():
    template = "Merci, {client}. Envoyer à {client}? De {client}."
    assert fill(template, client="Le Groupe Forget") == \
        "Merci, Le Groupe Forget. Envoyer au Groupe Forget? Du Groupe Forget."
    assert fill(template, client="Les Entreprises Roy") == \
        "Merci, Les Entreprises Roy. Envoyer aux Entreprises Roy? Des Entreprises Roy."
    assert fill(template, client="Acme") == "Merci, Acme. Envoyer à Acme? D'Acme."
    assert fill("Plus de {n} clients", n="11") == "Plus de 11 clients"


def _french_templates():
    """Every French message with "de" (or "que") right before a placeholder that a name
    fills: (msgid, msgstr, the placeholders)."""
    with open(LOCALE_DIR / "fr" / "LC_MESSAGES" / "linkdesk.po", "rb") as handle:
        catalog = read_po(handle)
    names = {"name", "firm", "firm_name", "client", "client_name", "vendor", "seller",
             "customer", "books", "who", "company"}
    found = []
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            keys = {k for _w, k in re.findall(r"(?<![\w'])(de|que)\s+\{(\w+)\}", string or "",
                                              re.IGNORECASE) if k in names}
            if keys:
                found.append((message.id, string, keys))
    return found


def test_every_french_template_before_a_name_elides():
    templates = _french_templates()
    assert len(templates) >= 15  # the catalog was read
    for _msgid, string, keys in templates:
        values = {k: "7" for k in re.findall(r"\{(\w+)", string)}
        values.update({k: "Acme" for k in keys})
        said = fill(string, **values)
        assert "de Acme" not in said.lower() and "d'acme" in said.lower(), said


@pytest.fixture
def french():
    i18n.set_language("fr")
    yield
    i18n.set_language("en")


def test_what_the_desk_says_of_a_name_in_french(french):
    from types import SimpleNamespace

    from linkdesk.labels import bill_summary, send_question

    row = SimpleNamespace(number="F-12", vendor="Atelier Ouellet", issue_date="2026-03-02",
                          total="12.00", currency="CAD", status="review", id=4)
    assert bill_summary(row).startswith("facture F-12 d'Atelier Ouellet, émise le")
    plan = SimpleNamespace(total="12.00", currency="CAD", route="network",
                           books="Épicerie Roy", kind="invoice", customer="Le Groupe Forget")
    question = send_question(plan, again=False)
    assert "au Groupe Forget" in question and "d'Épicerie Roy" in question, question


async def test_the_page_and_the_email_in_french_elide_the_firms_name(store):
    firm = await make_preparer(store, firm="Atelier fiscal Hélène Roy")
    portal = "https://portail.roy.ca/"
    runner = await start_site(make_web_app(store, portal=portal), "127.0.0.1", 0)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        client_id = await add_client(store, firm.firm_id, first_name="Émilie",
                                     last_name="Gagnon", email="emilie@example.com",
                                     language="fr")
        await invite(store, firm, client_id, base, portal=portal)
        job = await store.invitations.claim()
        await store.invitations.delivered(job, "250 OK")
        mail = message_from_bytes(job.raw, policy=default).get_body(("plain",)).get_content()
        assert "le portail client d'Atelier fiscal Hélène Roy se trouve" in mail
        link = link_in(job.raw)
        async with aiohttp.ClientSession() as http:
            async with http.get(link) as shown:
                text = _text(await shown.text())
            assert "au portail client d'Atelier fiscal Hélène Roy." in text
            async with http.post(link) as done:
                text = _text(await done.text())
            assert "Votre invitation d'Atelier fiscal Hélène Roy est acceptée." in text
            async with http.get(link) as again:
                text = _text(await again.text())
            assert "Vous avez accepté l'invitation d'Atelier fiscal Hélène Roy le " in text
        assert "de Atelier" not in text
    finally:
        await runner.cleanup()


async def test_an_invoice_email_from_a_seller_whose_name_starts_with_a_vowel(store):
    from store.models import Company
    from store.validate import Details

    firm, invoice = await _invoice_to(store, "fr")
    (books,) = [c for (c,) in await store.list(
        Company.select(Company.id).where(Company.name == "Toiture Fortin").tuples())]
    await store.network.update_profile(books, Details("Isolation Ouellet", "compta@fortin.ca"),
                                       by=firm.id)
    message = await _sent(store, firm, invoice)
    assert message["Subject"] == "Facture INV-0001 d'Isolation Ouellet"
