"""Composing invitations and sending them to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.smtp import SMTP as SMTPProtocol

from linkdesk.mail.capture import CaptureServer, read_captured
from linkdesk.mail.compose import HeaderInjectionError, Invitation, compose, new_message_id
from linkdesk.mail.relay import RelayConfig, RelayUrlError
from linkdesk.mail.sender import DeliveryError, SmtpSender
from linkdesk.mail.templates import default_text

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


def roundtrip(raw: bytes):
    return message_from_bytes(raw, policy=default_policy)


async def send(sender: SmtpSender, message: Invitation, message_id: str | None = None) -> str:
    raw = compose(message, message_id or new_message_id("a@b.ca"), WHEN)
    return await sender.send_raw(message.sender_address, message.recipient_address, raw)


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
                  new_message_id("a@b.ca"), WHEN)
    head = raw.split(b"\r\n\r\n", 1)[0]
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
        await send(sender, invitation(recipient_name=name), message_id)
    await sender.close()
    assert sender.connections_made == 1 and capture.handler.sessions == 1
    captured = read_captured(capture.maildir)
    assert [str(m.message["Message-ID"]) for m in captured] == ids
    assert "Acme Ltée" in captured[2].recipient
    assert "http://127.0.0.1:8765/i/abc123" in captured[0].text
    import stat

    for path in [capture.maildir, *capture.maildir.iterdir()]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    for path in (capture.maildir / "new").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


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
        await send(sender, invitation(recipient_address="nobody@example.com"))
    assert refused.value.permanent and "550" in refused.value.reason
    with pytest.raises(DeliveryError) as busy:
        await send(sender, invitation(recipient_address="busy@example.com"))
    assert not busy.value.permanent and "451" in busy.value.reason
    await send(sender, invitation())
    await sender.close()


async def test_relay_down_is_temporary():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = SmtpSender(RelayConfig("127.0.0.1", port, "plain", timeout=2))
    with pytest.raises(DeliveryError) as down:
        await send(sender, invitation())
    assert not down.value.permanent


def test_hostile_body_round_trips_exactly():
    body = "=_linkdesk_0\n--=_linkdesk_0--\n.\nFrom here\n" + "é" * 200 + "\n\ttab = 1 "
    parsed = roundtrip(compose(invitation(body=body), new_message_id("a@b.ca"), WHEN))
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith(body + "\n\n")
    assert len(parsed.get_payload()) == 2


async def test_internationalised_address_is_sent_with_smtputf8(capture):
    sender = SmtpSender(RelayConfig("127.0.0.1", capture.port, "plain", timeout=5))
    await send(sender, invitation(recipient_address="josé@exämple.ca"))
    await sender.close()
    (mail,) = read_captured(capture.maildir)
    assert mail.recipient == "Émilie Gagnon <josé@exämple.ca>"


class _LoginAuthenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        ok = auth_data.login == b"marie" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)  # the server answers 535 itself


@pytest.fixture
def certificates(tmp_path):
    import ssl

    import trustme

    authority = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost", "127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    authority.configure_trust(client_ctx)
    return server_ctx, client_ctx


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_tls_relay_with_login(tmp_path, certificates, security):
    import asyncio

    from linkdesk.mail.capture import _MaildirHandler

    server_ctx, client_ctx = certificates
    handler = _MaildirHandler(tmp_path / "Maildir")
    loop = asyncio.get_running_loop()

    def protocol():
        return SMTPProtocol(
            handler, loop=loop, authenticator=_LoginAuthenticator(), auth_required=True,
            tls_context=server_ctx if security == "starttls" else None,
            require_starttls=security == "starttls",
            # Implicit TLS is invisible to aiosmtpd: it only counts STARTTLS as TLS.
            auth_require_tls=security == "starttls")

    server = await loop.create_server(protocol, host="127.0.0.1", port=0,
                                      ssl=server_ctx if security == "tls" else None)
    port = server.sockets[0].getsockname()[1]
    try:
        relay = RelayConfig("127.0.0.1", port, security, "marie", "s3cret", timeout=5)
        sender = SmtpSender(relay, tls_context=client_ctx)
        await send(sender, invitation())
        await send(sender, invitation(recipient_address="jean@example.com"))
        await sender.close()
        assert sender.connections_made == 1
        assert len(read_captured(tmp_path / "Maildir")) == 2

        wrong = SmtpSender(RelayConfig("127.0.0.1", port, security, "marie", "nope", timeout=1),
                           tls_context=client_ctx)
        with pytest.raises(DeliveryError):
            await send(wrong, invitation())
        await wrong.close()

        # The throwaway authority is not in the system's store.
        untrusted = SmtpSender(RelayConfig("127.0.0.1", port, security, "marie", "s3cret",
                                           timeout=1))
        with pytest.raises(DeliveryError) as refused:
            await send(untrusted, invitation())
        assert not refused.value.permanent
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("name", ["X" * 5000, "Société " * 800, "Cabinet Tremblay & Associés"])
def test_a_long_firm_name_is_limited_and_folded(name):
    from email.header import decode_header, make_header

    from linkdesk.mail.compose import MAX_DISPLAY_NAME, display_name

    raw = compose(invitation(sender_name=name), new_message_id("a@b.ca"), WHEN)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in raw.split(b"\r\n")) <= 100  # RFC 5322: 998 at most
    parsed = roundtrip(raw)
    assert parsed["From"].addresses[0].addr_spec == "portail@tremblay.ca"
    shown = display_name(name)
    assert len(shown) <= MAX_DISPLAY_NAME
    assert shown == " ".join(name.split())[:len(shown) - 1] + "…" or shown == name
    # Encoded words are joined without the spaces between them (RFC 2047, section 6.2).
    from_line = head.split(b"From: ", 1)[1].split(b"\r\nTo:", 1)[0].decode()
    assert str(make_header(decode_header(from_line))).startswith(shown)


def test_a_lone_carriage_return_in_the_body_becomes_a_line_end():
    raw = compose(invitation(body="one\rtwo\r\nthree\nfour"), new_message_id("a@b.ca"), WHEN)
    assert b"\r" not in raw.replace(b"\r\n", b"")
    text = roundtrip(raw).get_body(("plain",)).get_content()
    assert text.replace("\r\n", "\n").startswith("one\ntwo\nthree\nfour\n")


def test_a_reply_reaches_the_firm_and_the_sender_is_the_firm():
    parsed = roundtrip(compose(invitation(reply_to="bonjour@tremblay.ca"),
                               new_message_id("a@b.ca"), WHEN))
    assert parsed["Reply-To"].addresses[0].addr_spec == "bonjour@tremblay.ca"
    assert parsed["Reply-To"].addresses[0].display_name == "Cabinet Tremblay"
    assert parsed["From"].addresses[0].display_name == "Cabinet Tremblay"
    # No public email: replies go to the address the message came from, said so.
    bare = roundtrip(compose(invitation(), new_message_id("a@b.ca"), WHEN))
    assert bare["Reply-To"].addresses[0].addr_spec == "portail@tremblay.ca"


def test_every_header_line_fits_in_78_characters():
    raw = compose(invitation(reply_to="bonjour@tremblay.ca"), new_message_id("a@b.ca"), WHEN)
    for part in raw.split(b"\r\n--"):
        head = part.split(b"\r\n\r\n", 1)[0]
        assert max(len(line) for line in head.split(b"\r\n")) <= 78, head


def test_the_french_button_line_keeps_its_colon_with_a_no_break_space():
    raw = compose(invitation(), new_message_id("a@b.ca"), WHEN)
    text = roundtrip(raw).get_body(("plain",)).get_content()
    assert "Démarrer / Ouvrir une session\u00a0:\n" in text.replace("\r\n", "\n")
    english = roundtrip(compose(invitation(language="en"), new_message_id("a@b.ca"), WHEN))
    assert "Start / Sign in:\n" in english.get_body(("plain",)).get_content().replace("\r\n",
                                                                                     "\n")


def test_the_french_message_speaks_of_the_firm_in_one_voice():
    _subject, body = default_text("fr", firm_name="Cabinet Tremblay", tax_year=2025,
                                  client_name="Émilie Gagnon", preparer_name="Marie Côté")
    assert "nous " not in body and "son portail" in body


def test_a_message_from_the_firm_itself_signs_once():
    for preparer in ("", None, "Cabinet Tremblay"):
        _subject, body = default_text("fr", firm_name="Cabinet Tremblay", tax_year=2025,
                                      client_name="Émilie Gagnon", preparer_name=preparer)
        assert body.endswith("Merci,\nCabinet Tremblay"), body
    _subject, body = default_text("en", firm_name="Cabinet Tremblay", tax_year=2025,
                                  client_name="Émilie Gagnon", preparer_name="Marie Côté")
    assert body.endswith("Thank you,\nMarie Côté\nCabinet Tremblay")


def test_the_date_is_written_in_the_firms_time_zone(monkeypatch):
    import time

    from linkdesk.mail.outgoing import invitation_builder

    monkeypatch.setenv("TZ", "America/Toronto")
    time.tzset()
    try:
        envelope = invitation_builder(
            firm_name="Cabinet Tremblay", sender_address="portail@tremblay.ca",
            recipient_name="Émilie Gagnon", recipient_address="emilie@example.com",
            subject="Invitation", body="Bonjour", language="fr")("https://p.example/i/abc")
        when = roundtrip(envelope.raw)["Date"].datetime
        assert when.utcoffset() in (dt.timedelta(hours=-5), dt.timedelta(hours=-4))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


class _Keeping:
    """Keeps what a relay was handed: the MAIL options and the bytes."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        self.received.append((list(envelope.mail_options), content))
        return "250 OK"


def _eight_bit_message() -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "Cabinet Tremblay <portail@tremblay.ca>"
    message["To"] = "emilie@example.com"
    message["Subject"] = "Facture"
    message.set_content("Échéance : le 31 mars.\nMontant dû : 114,98 $\n")
    message.add_alternative("<p>Échéance : le 31 mars.</p>", subtype="html")
    raw = message.as_bytes()
    assert b"Content-Transfer-Encoding: 8bit" in raw  # what the stdlib writes by default
    return raw


@pytest.mark.parametrize("offers_8bitmime", [True, False])
async def test_an_8_bit_body_goes_as_the_relay_can_take_it(offers_8bitmime):
    """RFC 6152: an 8-bit body is announced with BODY=8BITMIME to a relay that offers it, and
    turned into quoted-printable for one that does not (aiosmtpd offers 8BITMIME unless it
    decodes the data itself)."""
    import asyncio

    keeping = _Keeping()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTPProtocol(keeping, loop=loop, decode_data=not offers_8bitmime),
        host="127.0.0.1", port=0)
    sender = SmtpSender(RelayConfig("127.0.0.1", server.sockets[0].getsockname()[1], "plain",
                                    timeout=5))
    try:
        await sender.send_raw("portail@tremblay.ca", "emilie@example.com", _eight_bit_message())
    finally:
        await sender.close()
        server.close()
        await server.wait_closed()
    [(options, content)] = keeping.received
    parsed = roundtrip(content)
    assert parsed.get_body(("plain",)).get_content().startswith("Échéance : le 31 mars.")
    assert "Échéance" in parsed.get_body(("html",)).get_content()
    if offers_8bitmime:
        assert "BODY=8BITMIME" in options
    else:
        assert "BODY=8BITMIME" not in options
        assert content.isascii()
        assert all(part["Content-Transfer-Encoding"] in (None, "7bit", "quoted-printable")
                   for part in parsed.walk()), content


async def test_a_message_left_before_its_last_line_never_reaches_the_relay(capture):
    """The delivery worker waits for its turn before a message's last line (the lone "."):
    a wait given up there (a stop) leaves the relay nothing, and the next message goes on a
    new connection. A relay keeps a message only once it has that line (RFC 5321, 4.1.1.4)."""
    import asyncio

    sender = SmtpSender(RelayConfig("127.0.0.1", capture.port, "plain", timeout=5))
    waiting, never = asyncio.Event(), asyncio.Event()

    async def before_dot() -> None:
        waiting.set()
        await never.wait()

    raw = compose(invitation(), new_message_id("a@b.ca"), WHEN)
    left = asyncio.create_task(sender.send_raw("portail@tremblay.ca", "emilie@example.com", raw,
                                               before_dot))
    await waiting.wait()  # the relay has the envelope and the whole text, but not its end
    left.cancel()
    with pytest.raises(asyncio.CancelledError):
        await left
    second = invitation(recipient_name="Jean Roy", recipient_address="jean@example.com")
    await send(sender, second)
    await sender.close()
    captured = read_captured(capture.maildir)
    assert len(captured) == 1 and "jean@example.com" in captured[0].recipient
    assert sender.connections_made == 2
