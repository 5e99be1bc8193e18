"""An Organization client that accepts is listed in the business network (its books open here
with its name, email and phone, visible to members of the firm's region): the page says so
before Confirm and after, in both languages; an individual's page says nothing of it, and an
organization the firm took off the network is not told it is listed."""

from __future__ import annotations

import aiohttp
import pytest

from linkdesk.web.accept import make_web_app, start_site
from store.models import Company
from tests.helpers import add_client, make_preparer
from tests.test_invitation_flow import _text, invite, link_in

EN = ("Accepting adds Béton Ouellet to the business network, a directory of companies: other "
      "members of the same region (Canada) can find its name, its email address "
      "(compta@ouellet.ca) and its phone number, and copy them into their customer and vendor "
      "records. Cabinet Tremblay can take it off the network.")
FR = ("Accepter ajoute Béton Ouellet au réseau d'affaires, un répertoire d'entreprises : les "
      "autres membres de la même région (Canada) peuvent y trouver son nom, son adresse "
      "courriel (compta@ouellet.ca) et son numéro de téléphone, et les copier dans leurs "
      "fiches de clients et de fournisseurs. Cabinet Tremblay peut l'en retirer.")
LISTED_EN = ("Béton Ouellet is listed in the business network, a directory of companies: "
             "other members of the same region (Canada) can find its name, its email address "
             "(compta@ouellet.ca) and its phone number, and copy them into their customer and "
             "vendor records. Cabinet Tremblay can take it off the network.")
LISTED_FR = ("Béton Ouellet fait partie du réseau d'affaires, un répertoire d'entreprises : les "
             "autres membres de la même région (Canada) peuvent y trouver son nom, son adresse "
             "courriel (compta@ouellet.ca) et son numéro de téléphone, et les copier dans leurs "
             "fiches de clients et de fournisseurs. Cabinet Tremblay peut l'en retirer.")


@pytest.fixture
async def site(store):
    runner = await start_site(make_web_app(store), "127.0.0.1", 0)
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


async def _link(store, firm, base, **client) -> str:
    client_id = await add_client(store, firm.firm_id, language="fr", **client)
    await invite(store, firm, client_id, base, recipient_address=client["email"])
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    return link_in(job.raw)


async def _read(http, url, post=False) -> str:
    async with (http.post(url) if post else http.get(url)) as answer:
        assert answer.status == 200
        return _text(await answer.text())


async def test_an_organization_is_told_it_joins_the_network(store, site):
    firm = await make_preparer(store)
    link = await _link(store, firm, site, organization_name="Béton Ouellet",
                       email="compta@ouellet.ca", phone="514-555-0199")
    async with aiohttp.ClientSession() as http:
        assert FR in await _read(http, link)
        assert EN in await _read(http, link + "?lang=en")
        accepted = await _read(http, link + "?lang=en", post=True)
        assert LISTED_EN in accepted and EN not in accepted
        assert LISTED_FR in await _read(http, link)  # opened again, in its language
    (email, visible) = (await store.list(Company.select(Company.email, Company.visible)
                                         .where(Company.name == "Béton Ouellet").tuples()))[0]
    assert (email, visible) == ("compta@ouellet.ca", True)  # what the page said is true


async def test_without_a_phone_and_once_taken_off_the_network(store, site):
    firm = await make_preparer(store)
    link = await _link(store, firm, site, organization_name="Béton Ouellet",
                       email="compta@ouellet.ca")
    async with aiohttp.ClientSession() as http:
        shown = await _read(http, link + "?lang=en")
        assert "can find its name and its email address (compta@ouellet.ca), and copy" in shown
        assert "phone" not in shown.split("What happens next")[0]
        await _read(http, link, post=True)
        (books,) = [c for (c,) in await store.list(
            Company.select(Company.id).where(Company.name == "Béton Ouellet").tuples())]
        await store.network.set_visible(books, False, by=firm.id)
        again = await _read(http, link + "?lang=en")
        assert "business network" not in again


async def test_an_individual_reads_nothing_of_the_network(store, site):
    firm = await make_preparer(store)
    link = await _link(store, firm, site, first_name="Émilie", last_name="Gagnon",
                       email="emilie@example.com")
    async with aiohttp.ClientSession() as http:
        for url, post in ((link + "?lang=en", False), (link + "?lang=en", True),
                          (link, False)):
            text = await _read(http, url, post)
            assert "network" not in text and "réseau" not in text
