"""Sending composed messages over one reused SMTP connection (aiosmtplib)."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Awaitable, Callable

import aiosmtplib
from aiosmtplib.email import parse_address
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

from linkdesk.mail.errors import (
    CLEARTEXT_LOGIN,
    NO_LOGIN,
    NO_STARTTLS,
    DeliveryError,
    RelayProblem,
)
from linkdesk.mail.relay import RelayConfig
from linkdesk.mail.relay_problem import from_connecting, from_sender_refused


class SmtpSender:
    """Keeps one connection to the relay open and sends message after message over it.

    A refused recipient or message (5xx) is a permanent DeliveryError; a 4xx answer, a
    connection that fails, drops or times out is a temporary one (the connection is then
    dropped and made again for the next message).
    """

    def __init__(self, relay: RelayConfig, tls_context: ssl.SSLContext | None = None) -> None:
        self.relay = relay
        self.tls_context = tls_context  # None: the system's trusted certificates
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self.connections_made = 0

    size = 1  # messages it sends at once

    async def _connected(self) -> aiosmtplib.SMTP:
        """The open connection, or a new one: TLS as configured, then the login. Anything that
        goes wrong here is the relay's (RelayProblem), never a recipient's."""
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        relay = self.relay
        if relay.username and relay.security == "plain" and not relay.trusted_link:
            raise RelayProblem(CLEARTEXT_LOGIN, "the password would cross the network without "
                                                "TLS")
        smtp = aiosmtplib.SMTP(hostname=relay.host, port=relay.port,
                               use_tls=relay.security == "tls", start_tls=False,
                               timeout=relay.timeout, tls_context=self.tls_context)
        try:
            await smtp.connect()
            await greet(smtp)
            if relay.security == "starttls":
                if not smtp.supports_extension("starttls"):
                    raise RelayProblem(NO_STARTTLS, "the relay does not offer STARTTLS")
                await smtp.starttls()
                await greet(smtp)  # the extensions offered over TLS (AUTH, often)
            if relay.username:
                if not smtp.supports_extension("auth"):
                    raise RelayProblem(NO_LOGIN, "the relay offers no login (AUTH)")
                await smtp.login(relay.username, relay.password or "")
        except BaseException as exc:
            smtp.close()
            if isinstance(exc, asyncio.CancelledError | KeyboardInterrupt):
                raise
            raise from_connecting(exc, relay.host) from exc
        self._smtp = smtp
        self.connections_made += 1
        return smtp

    async def probe(self) -> str:
        """Connect and log in as a message would, then NOOP: the relay's greeting, or a
        RelayProblem."""
        async with self._lock:
            smtp = await self._connected()
            try:
                response = await smtp.noop()
            except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
                await self._drop()
                raise from_connecting(exc, self.relay.host) from exc
            return f"{response.code} {response.message}"

    async def send_raw(self, envelope_from: str, envelope_to: str, raw: bytes,
                       before_dot: Callable[[], Awaitable[None]] | None = None) -> str:
        """Send an already composed message (as the outbox keeps it), byte for byte.

        An internationalised address (RFC 6531) is sent with SMTPUTF8; a relay without it
        refuses the message for good. `before_dot`, when given, is awaited once the relay has
        the whole message but the line that ends it, with which it may keep it: the delivery
        worker waits there for its turn (linkdesk.mail.recording).
        """
        utf8 = [] if (envelope_from + envelope_to).isascii() else ["SMTPUTF8"]

        def transaction(smtp: aiosmtplib.SMTP):
            options, message = list(utf8), raw
            if eight_bit_body(raw):  # RFC 6152: say so, or make it 7-bit for this relay
                if smtp.supports_extension("8bitmime"):
                    options.append("BODY=8BITMIME")
                else:
                    message = seven_bit(raw)
            return mail_transaction(smtp, envelope_from, envelope_to, message, options,
                                    before_dot)

        return await self._deliver(transaction)

    async def _deliver(self, transaction) -> str:
        async with self._lock:
            smtp = await self._connected()  # a RelayProblem goes up as it is
            try:
                refused, answer = await transaction(smtp)
            except aiosmtplib.SMTPSenderRefused as exc:
                await self._drop()
                raise from_sender_refused(exc) from exc
            except aiosmtplib.SMTPNotSupported as exc:
                raise DeliveryError(str(exc), permanent=True) from exc
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [r.code for r in exc.recipients]
                reason = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
                raise DeliveryError(reason, permanent=all(c >= 500 for c in codes)) from exc
            except aiosmtplib.SMTPResponseException as exc:
                if exc.code >= 500 and not isinstance(exc, aiosmtplib.SMTPServerDisconnected):
                    raise DeliveryError(f"{exc.code} {exc.message}", permanent=True) from exc
                await self._drop()
                raise DeliveryError(f"{exc.code} {exc.message}", permanent=False) from exc
            except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
                await self._drop()
                raise DeliveryError(str(exc) or type(exc).__name__, permanent=False) from exc
            if refused:
                reason = "; ".join(f"{r.code} {r.message}" for r in refused.values())
                raise DeliveryError(reason, permanent=True)
            return answer

    async def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.close()
            except Exception:  # noqa: S110 - already broken; nothing to tell anyone
                pass

    async def close(self) -> None:
        """Say goodbye to the relay (QUIT) and close the connection."""
        async with self._lock:
            smtp, self._smtp = self._smtp, None
            if smtp is not None and smtp.is_connected:
                try:
                    await smtp.quit()
                except (TimeoutError, aiosmtplib.SMTPException, OSError):
                    smtp.close()


def eight_bit_body(raw: bytes) -> bool:
    """Whether the body (after the header) holds bytes beyond ASCII."""
    end = raw.find(b"\r\n\r\n")
    return not raw[end if end >= 0 else 0:].isascii()


def seven_bit(raw: bytes) -> bytes:
    """The message with each 8-bit part written as quoted-printable, for a relay that does not
    offer 8BITMIME (RFC 6152, section 3). The outbox keeps messages as composed; which relay
    takes them is known only when they go."""
    import binascii
    from email import message_from_bytes
    from email.generator import BytesGenerator
    from email.policy import compat32
    from io import BytesIO

    policy = compat32.clone(linesep="\r\n")
    message = message_from_bytes(raw, policy=policy)
    for part in message.walk():
        encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
        if part.is_multipart() or encoding in ("quoted-printable", "base64"):
            continue
        payload = part.get_payload(decode=True) or b""
        if not isinstance(payload, bytes) or payload.isascii():
            continue
        text = payload.replace(b"\r\n", b"\n")
        del part["Content-Transfer-Encoding"]
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(binascii.b2a_qp(text, istext=True).decode("ascii"))
    out = BytesIO()
    BytesGenerator(out, policy=policy, mangle_from_=False).flatten(message)
    return out.getvalue()


async def mail_transaction(smtp: aiosmtplib.SMTP, sender: str, recipient: str, message: bytes,
                           options: list[str],
                           before_dot: Callable[[], Awaitable[None]] | None
                           ) -> tuple[dict, str]:
    """aiosmtplib's `sendmail` for one recipient, with a pause before the end of the data.

    The relay may keep a message only once it has the line that ends its data (a lone ".",
    RFC 5321, 4.1.1.4); a connection that drops before it leaves nothing. The envelope (MAIL,
    RCPT), DATA and the whole text go at once; only that last line waits for `before_dot`,
    so that nearly all of a message's round trips overlap the record of the one before.
    Answers and errors as `sendmail`'s (a refusal is reset with RSET).
    """
    parse_address(sender)  # a bad address leaves no half-finished envelope on the relay
    parse_address(recipient)
    encoding = "utf-8" if "SMTPUTF8" in options else "ascii"
    if encoding == "utf-8" and not smtp.supports_extension("smtputf8"):
        raise aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server")
    text = normalize_message_line_endings(message)  # as aiosmtplib's DATA sends it
    if smtp.supports_extension("size"):  # RFC 1870: the octets as DATA sends them
        options = [f"size={len(text)}", *options]
    try:
        await smtp.mail(sender, options=options, encoding=encoding)
        try:
            await smtp.rcpt(recipient, encoding=encoding)
        except aiosmtplib.SMTPRecipientRefused as exc:
            raise aiosmtplib.SMTPRecipientsRefused([exc]) from exc
        start = await smtp.execute_command(b"DATA")
        if start.code != aiosmtplib.SMTPStatus.start_input:
            raise aiosmtplib.SMTPDataError(start.code, start.message)
        if smtp.protocol is None:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        smtp.protocol.write(PERIOD_REGEX.sub(b"..", text))  # each line's leading dot doubled
        if before_dot is not None:
            try:
                await before_dot()
            except BaseException:  # a stop: the relay drops the unfinished message with us
                smtp.close()
                raise
        response = await smtp.execute_command(b".")
        if response.code != aiosmtplib.SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(response.code, response.message)
    except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
        with contextlib.suppress(ConnectionError, aiosmtplib.SMTPResponseException):
            await smtp.rset()
        raise
    return {}, response.message


async def greet(smtp: aiosmtplib.SMTP) -> None:
    """EHLO, or HELO for a relay from another age (then it offers no extension at all)."""
    try:
        await smtp.ehlo()
    except aiosmtplib.SMTPHeloError:
        await smtp.helo()


class SmtpPool:
    """Several reused connections to the relay, each sending its own message side by side.

    A relay answers each SMTP command in turn, so one connection spends most of its time
    waiting; a few of them keep the relay busy. Firms' relays often cap connections per
    client, hence a small default (mail.connections, 8).
    """

    def __init__(self, relay: RelayConfig, size: int = 8,
                 tls_context: ssl.SSLContext | None = None) -> None:
        self.relay = relay
        self.senders = [SmtpSender(relay, tls_context) for _ in range(max(1, size))]
        self._idle: asyncio.Queue[SmtpSender] = asyncio.Queue()
        for sender in self.senders:
            self._idle.put_nowait(sender)

    @property
    def size(self) -> int:
        return len(self.senders)

    @property
    def connections_made(self) -> int:
        return sum(sender.connections_made for sender in self.senders)

    async def send_raw(self, envelope_from: str, envelope_to: str, raw: bytes,
                       before_dot: Callable[[], Awaitable[None]] | None = None) -> str:
        """Send over the first free connection (see SmtpSender.send_raw)."""
        sender = await self._idle.get()
        try:
            return await sender.send_raw(envelope_from, envelope_to, raw, before_dot)
        finally:
            self._idle.put_nowait(sender)

    async def probe(self) -> str:
        """Whether the relay answers well, on the first free connection (see SmtpSender)."""
        sender = await self._idle.get()
        try:
            return await sender.probe()
        finally:
            self._idle.put_nowait(sender)

    async def close(self) -> None:
        await asyncio.gather(*(sender.close() for sender in self.senders))
