"""Composing invitations and sending them to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.smtp import SMTP as SMTPProtocol

from mail.capture import CaptureServer, read_captured
from mail.compose import HeaderInjectionError, Invitation, compose, new_message_id
from mail.relay import RelayConfig, RelayUrlError
from mail.sender import DeliveryError, SmtpSender
from mail.templates import default_text

WHEN = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def invitation(**changes) -> Invitation:
    subject, body = default_text("fr", firm_name="Cabinet Tremblay", tax_year=2025,
                                 client_name="Émilie Gagnon", preparer_name="Marie Côté")
    values = dict(
        sender_name="Cabinet Tremblay", sender_address="portail@tremblay.ca",
        recipient_name="Émilie Gagnon", recipient_address="emilie@example.com",
        subject=subject, body=body, link="http://127.0.0.1:8765/i/abc123", language="fr",
    )
    values.update(changes)
    return Invitation(**values)


def roundtrip(message):
    return message_from_bytes(message.as_bytes(), policy=default_policy)


def test_message_is_multipart_text_and_html_with_the_link():
    message_id = new_message_id("portail@tremblay.ca")
    parsed = roundtrip(compose(invitation(), message_id, WHEN))
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Message-ID"] == message_id and message_id.endswith("@tremblay.ca>")
    assert str(parsed["To"]) == "Émilie Gagnon <emilie@example.com>"
    assert str(parsed["Subject"]).startswith("Cabinet Tremblay vous invite")
    text = parsed.get_body(("plain",)).get_content()
    html = parsed.get_body(("html",)).get_content()
    assert "Bonjour Émilie Gagnon" in text and "http://127.0.0.1:8765/i/abc123" in text
    assert 'href="http://127.0.0.1:8765/i/abc123"' in html
    assert "Démarrer / Ouvrir une session" in html
    assert parsed["Content-Language"] == "fr-CA"


def test_non_ascii_headers_are_encoded_on_the_wire():
    raw = compose(invitation(recipient_name="Hélène Lévesque", subject="Québec 2025"),
                  new_message_id("a@b.ca"), WHEN).as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii()
    assert b"=?utf-8?" in head.lower()


@pytest.mark.parametrize("field", ["subject", "recipient_name", "recipient_address",
                                   "sender_name", "link"])
def test_line_breaks_in_any_header_value_are_refused(field):
    value = {"link": "http://x/i/a\r\nBcc: victim@example.com"}.get(
        field, "x\r\nBcc: victim@example.com")
    with pytest.raises(HeaderInjectionError):
        compose(invitation(**{field: value}), new_message_id("a@b.ca"), WHEN)


def test_every_value_in_the_html_part_is_escaped():
    hostile = '<script>alert(1)</script> & "quotes"'
    parsed = roundtrip(compose(
        invitation(body=f"Bonjour {hostile}", subject=hostile,
                   link='http://x/i/a"onmouseover="x'),
        new_message_id("a@b.ca"), WHEN))
    html = parsed.get_body(("html",)).get_content()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html and "&quot;quotes&quot;" in html
    assert 'href="http://x/i/a&quot;onmouseover=&quot;x"' in html


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.example.com", ("relay.example.com", 25, "plain", None)),
        ("smtp+starttls://marie%40firm@mail.firm.ca", ("mail.firm.ca", 587, "starttls",
                                                      "marie@firm")),
        ("smtps://bob@mail.firm.ca:2465", ("mail.firm.ca", 2465, "tls", "bob")),
    ],
)
def test_relay_urls(url, expected):
    relay = RelayConfig.parse(url, password="pw")
    assert (relay.host, relay.port, relay.security, relay.username) == expected


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://u:secret@host",
                                 "smtp://host:port", "smtp://host/path"])
def test_bad_relay_urls(url):
    with pytest.raises(RelayUrlError):
        RelayConfig.parse(url)


@pytest.fixture
async def capture(tmp_path):
    server = await CaptureServer(tmp_path / "Maildir").start()
    yield server
    await server.stop()


async def test_messages_reuse_one_connection_and_land_in_the_maildir(capture):
    sender = SmtpSender(RelayConfig("127.0.0.1", capture.port, "plain", timeout=5))
    ids = []
    for name in ("Émilie Gagnon", "Jean Roy", "Acme Ltée"):
        message_id = new_message_id("portail@tremblay.ca")
        ids.append(message_id)
        await sender.send(compose(invitation(recipient_name=name), message_id, WHEN))
    await sender.close()
    assert sender.connections_made == 1 and capture.handler.sessions == 1
    captured = read_captured(capture.maildir)
    assert [str(m.message["Message-ID"]) for m in captured] == ids
    assert "Acme Ltée" in captured[2].recipient
    assert "http://127.0.0.1:8765/i/abc123" in captured[0].text


class _RefusingHandler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such mailbox"
        if address.startswith("busy@"):
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@pytest.fixture
async def refusing_server():
    import asyncio

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTPProtocol(_RefusingHandler(), loop=loop),
                                      host="127.0.0.1", port=0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def test_refused_recipient_is_permanent_and_busy_is_temporary(refusing_server):
    sender = SmtpSender(RelayConfig("127.0.0.1", refusing_server, "plain", timeout=5))
    with pytest.raises(DeliveryError) as refused:
        await sender.send(compose(invitation(recipient_address="nobody@example.com"),
                                  new_message_id("a@b.ca"), WHEN))
    assert refused.value.permanent and "550" in refused.value.reason
    with pytest.raises(DeliveryError) as busy:
        await sender.send(compose(invitation(recipient_address="busy@example.com"),
                                  new_message_id("a@b.ca"), WHEN))
    assert not busy.value.permanent and "451" in busy.value.reason
    await sender.send(compose(invitation(), new_message_id("a@b.ca"), WHEN))
    await sender.close()


async def test_relay_down_is_temporary():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SmtpSender(RelayConfig("127.0.0.1", port, "plain", timeout=2))
    with pytest.raises(DeliveryError) as down:
        await sender.send(compose(invitation(), new_message_id("a@b.ca"), WHEN))
    assert not down.value.permanent
