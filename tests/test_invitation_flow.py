"""The whole invitation path on real servers: outbox → SMTP (aiosmtpd) → link → HTTP (aiohttp)."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest

from linkdesk.mail.capture import CaptureServer, read_captured
from linkdesk.mail.compose import HeaderInjectionError
from linkdesk.mail.delivery import DeliveryWorker
from linkdesk.mail.outgoing import invitation_builder
from linkdesk.mail.relay import RelayConfig
from linkdesk.mail.sender import SmtpSender
from linkdesk.mail.templates import default_text
from linkdesk.web.accept import make_web_app, start_site
from store import ClientQuery
from tests.helpers import add_client, make_preparer

YEAR = 2025


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


@pytest.fixture
async def capture(tmp_path):
    server = await CaptureServer(tmp_path / "Maildir").start()
    yield server
    await server.stop()


@pytest.fixture
async def site(store):
    accepted = []
    runner = await start_site(make_web_app(store, lambda: accepted.append(1)), "127.0.0.1", 0)
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", accepted
    await runner.cleanup()


async def invite(store, firm, client_id, link_base, **changes):
    subject, body = default_text("fr", firm_name=firm.firm_name, tax_year=YEAR,
                                 client_name="Émilie Gagnon", preparer_name="marie")
    fields = dict(firm_name=firm.firm_name, sender_address="portail@tremblay.ca",
                  recipient_name="Émilie Gagnon", recipient_address="emilie@example.com",
                  subject=subject, body=body, language="fr")
    fields.update(changes)
    return await store.invitations.invite(client_id, YEAR, firm.id, link_base,
                                          fields["recipient_address"], "fr",
                                          invitation_builder(**fields))


def link_in(raw: bytes) -> str:
    """The invitation link, read from the message as a mail client reads it."""
    from email import message_from_bytes
    from email.policy import default

    text = message_from_bytes(raw, policy=default).get_body(("plain",)).get_content()
    return re.search(r"http://127\.0\.0\.1:\d+/i/[\w-]+", text).group(0)


async def status(store, firm, client_id):
    rows = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR), 0, 50)
    return next(r.status for r in rows if r.id == client_id)


async def test_invite_send_open_confirm(store, firm, capture, site):
    base, accepted = site
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    await invite(store, firm, client_id, base)
    worker = DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", capture.port, "plain")))
    assert await worker.run_once() is True
    assert await worker.run_once() is False
    await worker.sender.close()
    assert await status(store, firm, client_id) == "pending"

    (mail,) = read_captured(capture.maildir)
    assert str(mail.message["To"]) == "Émilie Gagnon <emilie@example.com>"
    assert str(mail.message["From"]) == "Cabinet Tremblay <portail@tremblay.ca>"
    link = re.search(r"http://127\.0\.0\.1:\d+/i/[\w-]+", mail.text).group(0)

    async with aiohttp.ClientSession() as http:
        async with http.get(link) as page:
            body = await page.text()
            assert page.status == 200 and "Confirmer" in body and "Émilie Gagnon" in body
            assert page.headers["Referrer-Policy"] == "no-referrer"
        assert await status(store, firm, client_id) == "pending"  # the GET changed nothing
        async with http.post(link) as done:
            assert done.status == 200 and "acceptée" in await done.text()
        assert await status(store, firm, client_id) == "accepted"
        assert accepted == [1]
        async with http.post(link) as again:  # Confirm pressed twice: nothing more happens
            assert again.status == 200
            assert "Vous avez accepté l'invitation" in _text(await again.text())
        assert accepted == [1]
        async with http.get(base + "/i/unknown-token") as unknown:
            assert unknown.status == 404 and "Gagnon" not in await unknown.text()


async def test_two_simultaneous_posts_accept_once(store, firm, site):
    base, accepted = site
    client_id = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    await invite(store, firm, client_id, base, recipient_address="a@x.ca")
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    link = link_in(job.raw)
    async with aiohttp.ClientSession() as http:
        statuses = await asyncio.gather(*(http.post(link) for _ in range(2)))
        texts = sorted([await r.text() for r in statuses], key=lambda t: "Merci" in t)
        assert [r.status for r in statuses] == [200, 200]
        assert "Vous avez accepté l'invitation" in _text(texts[0])
        assert "Merci, Acme" in _text(texts[1])
    assert accepted == [1]


async def test_hostile_names_are_escaped_on_the_page(store, firm, site):
    base, _ = site
    client_id = await add_client(store, firm.firm_id, organization_name="<script>x</script>",
                                 email="h@x.ca")
    await invite(store, firm, client_id, base, recipient_address="h@x.ca")
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    link = link_in(job.raw)
    async with aiohttp.ClientSession() as http, http.get(link) as page:
        body = await page.text()
    assert "<script>x</script>" not in body and "&lt;script&gt;x&lt;/script&gt;" in body


async def test_a_name_ending_in_a_period_is_not_followed_by_another(store, firm, site):
    base, _ = site
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin inc.",
                                 email="t@x.ca")
    await invite(store, firm, client_id, base, recipient_address="t@x.ca")
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    async with aiohttp.ClientSession() as http, http.post(link_in(job.raw)) as page:
        body = await page.text()
    assert "<strong>Toiture Fortin inc.</strong> " in body
    assert "inc.." not in body and "inc.</strong>." not in body


async def test_header_injection_refused_with_nothing_queued(store, firm, capture):
    client_id = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    with pytest.raises(HeaderInjectionError):
        await invite(store, firm, client_id, "http://127.0.0.1:8765",
                     subject="Hello\r\nBcc: everyone@example.com")
    assert await store.invitations.claim() is None
    assert await status(store, firm, client_id) == "not_invited"
    assert read_captured(capture.maildir) == []


async def test_relay_down_then_up_and_a_restart_with_mail_queued(store, firm, tmp_path, clock):
    client_id = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    await invite(store, firm, client_id, "http://127.0.0.1:8765", recipient_address="a@x.ca")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    down = DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", port, "plain", timeout=2)))
    assert await down.run_once() is False  # the relay's problem: nothing sent, nobody failed
    assert down.paused and down.problem.kind == "unreachable"
    assert await down.run_once() is False  # paused: nothing more is claimed
    await down.stop()
    assert await status(store, firm, client_id) == "sending"
    # "Restart": a new worker and a relay that is up now, on the port that was down.
    capture = await CaptureServer(tmp_path / "Maildir", port=port).start()
    try:
        up = DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", port, "plain")))
        assert await up.run_once() is True  # at once: the message was never held back
        await up.sender.close()
    finally:
        await capture.stop()
    assert await status(store, firm, client_id) == "pending"
    assert len(read_captured(tmp_path / "Maildir")) == 1
    kinds = [e[0] for e in await store.clients.events(client_id)]
    assert kinds == ["client_added", "invitation_queued", "invitation_sent"]


async def test_refused_recipient_shows_delivery_failed(store, firm, tmp_path):
    from aiosmtpd.smtp import SMTP as SMTPProtocol

    class Refuse:
        async def handle_RCPT(self, server, session, envelope, address, options):
            return "550 5.1.1 No such mailbox here"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTPProtocol(Refuse(), loop=loop), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        client_id = await add_client(store, firm.firm_id, organization_name="Acme",
                                     email="a@x.ca")
        await invite(store, firm, client_id, "http://127.0.0.1:8765", recipient_address="a@x.ca")
        worker = DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", port, "plain")))
        assert await worker.run_once() is True
        await worker.sender.close()
    finally:
        server.close()
        await server.wait_closed()
    assert await status(store, firm, client_id) == "failed"
    events = await store.clients.events(client_id)
    assert events[-1][0] == "invitation_failed" and "550" in events[-1][1]["reason"]


async def test_a_quick_relay_gets_bigger_batches_each_claimed_for_long_enough(
        store, firm, capture, clock, monkeypatch):
    """Batches grow while the relay answers quickly (fewer claims and records for the same
    mail), shrink when it slows, and each claim lasts until every message of its batch could
    have timed out on its connection: no other process takes them meanwhile."""
    import datetime as dt

    from linkdesk.mail import delivery
    from linkdesk.mail.sender import SmtpPool
    from store.models import Outbox

    for i in range(60):
        client_id = await add_client(store, firm.firm_id, organization_name=f"Client {i}",
                                     email=f"c{i}@example.com")
        await invite(store, firm, client_id, "http://127.0.0.1:8765",
                     recipient_address=f"c{i}@example.com")
    worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", capture.port, "plain"), 2))
    # What counts as quick and slow is set here, so that a busy test machine decides nothing.
    monkeypatch.setattr(delivery, "FAST_BATCH_S", 60.0)
    monkeypatch.setattr(delivery, "SLOW_BATCH_S", 120.0)
    sizes = []
    for _ in range(3):
        sizes.append(worker.batch)
        assert await worker.run_once() is True
    assert sizes == [8, 16, 32]  # 4, 8, then 16 a connection, the most
    monkeypatch.setattr(delivery, "FAST_BATCH_S", 0.0)
    monkeypatch.setattr(delivery, "SLOW_BATCH_S", 0.0)  # the relay slowed down
    assert await worker.run_once() is True  # the last 4
    assert worker.batch == 16
    await worker.sender.close()
    assert len(read_captured(capture.maildir)) == 60

    client_id = await add_client(store, firm.firm_id, organization_name="Late",
                                 email="late@example.com")
    await invite(store, firm, client_id, "http://127.0.0.1:8765",
                 recipient_address="late@example.com")
    await store.invitations.claim_many(32, lease=worker.lease_for(32))
    (until,) = [u for (u,) in await store.list(
        Outbox.select(Outbox.claimed_until).where(Outbox.state == "sending").tuples())]
    assert until - clock() == dt.timedelta(seconds=16 * 30 + 60)  # 16 a connection, 30 s each


@pytest.fixture
def toronto(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


def _text(page: str) -> str:
    """What a person reads: the tags gone, entities and spaces as shown."""
    import html

    page = re.sub(r"<style>.*?</style>|</?(strong|a)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_the_accepted_page_in_the_other_language_and_opened_again(store, firm, site,
                                                                        toronto):
    """The accepted page's language link GETs the used link: it answered 410, "This invitation
    link can no longer be used", a second after accepting. An accepted link opened again says
    when it was accepted, in the client's language."""
    base, accepted = site
    client_id = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                                 email="emilie@example.com", language="fr")
    await invite(store, firm, client_id, base)
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    link = link_in(job.raw)
    async with aiohttp.ClientSession() as http:
        async with http.post(link) as done:
            page = await done.text()
        assert 'href="?lang=en"' in page
        async with http.get(link + "?lang=en") as english:
            assert english.status == 200
            text = _text(await english.text())
        assert "Invitation accepted" in text
        assert "You accepted the invitation from Cabinet Tremblay on March 2, 2026." in text
        assert 'href="?lang=fr"' in await english.text()
        async with http.get(link) as again:
            assert again.status == 200
            text = _text(await again.text())
        assert "Vous avez accepté l'invitation de Cabinet Tremblay le 2 mars 2026." in text
        assert "Cabinet Tremblay communiquera avec vous" in text
    assert accepted == [1]
    assert await status(store, firm, client_id) == "accepted"


async def test_the_page_promises_only_what_accepting_does(store, firm, site):
    """It promised sharing documents "through the portal" and following "the progress of your
    file", then "You can close this page": no such portal is here. Without links.portal it
    says the firm will be in touch; with it, the accepted page leads there."""
    base, _accepted = site
    client_id = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca",
                                 language="en")
    await invite(store, firm, client_id, base, recipient_address="a@x.ca", language="en")
    job = await store.invitations.claim()
    await store.invitations.delivered(job, "250 OK")
    async with aiohttp.ClientSession() as http:
        async with http.get(link_in(job.raw) + "?lang=en") as shown:
            text = _text(await shown.text())
    assert "share documents" not in text and "progress of your file" not in text
    assert "Cabinet Tremblay will be in touch about what it needs from you." in text
    assert "Cabinet Tremblay is told at once that you accepted." in text


async def test_with_a_portal_the_accepted_page_continues_there(store, firm):
    portal = "https://portail.tremblay.ca/clients?from=linkdesk"
    runner = await start_site(make_web_app(store, portal=portal), "127.0.0.1", 0)
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        client_id = await add_client(store, firm.firm_id, organization_name="Acme",
                                     email="a@x.ca", language="en")
        await invite(store, firm, client_id, base, recipient_address="a@x.ca", language="en",
                     portal=portal)
        job = await store.invitations.claim()
        await store.invitations.delivered(job, "250 OK")
        from email import message_from_bytes
        from email.policy import default

        mail = message_from_bytes(job.raw, policy=default).get_body(("plain",)).get_content()
        assert "the client portal of Cabinet Tremblay is at:" in mail and portal in mail
        link = link_in(job.raw)
        async with aiohttp.ClientSession() as http:
            async with http.get(link + "?lang=en") as shown:
                assert "a button takes you to the client portal of Cabinet Tremblay" in _text(
                    await shown.text())
            async with http.post(link + "?lang=en") as done:
                page = await done.text()
            async with http.get(link) as again:
                french = await again.text()
        button = '<a class="button" href="https://portail.tremblay.ca/clients?from=linkdesk">'
        assert button + "Continue to the portal</a>" in page
        assert button + "Continuer vers le portail</a>" in french
    finally:
        await runner.cleanup()
