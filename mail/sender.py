"""Sending composed messages over one reused SMTP connection (aiosmtplib)."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage

import aiosmtplib

from mail.relay import RelayConfig


class DeliveryError(Exception):
    """A message was not accepted by the relay; `permanent` says whether trying again helps."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class SmtpSender:
    """Keeps one connection to the relay open and sends message after message over it.

    A refused recipient or message (5xx) is a permanent DeliveryError; a 4xx answer, a
    connection that fails, drops or times out is a temporary one (the connection is then
    dropped and made again for the next message).
    """

    def __init__(self, relay: RelayConfig) -> None:
        self.relay = relay
        self._smtp: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self.connections_made = 0

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        relay = self.relay
        smtp = aiosmtplib.SMTP(
            hostname=relay.host,
            port=relay.port,
            use_tls=relay.security == "tls",
            start_tls=True if relay.security == "starttls" else False,
            timeout=relay.timeout,
        )
        await smtp.connect()
        if relay.username:
            await smtp.login(relay.username, relay.password or "")
        self._smtp = smtp
        self.connections_made += 1
        return smtp

    async def send(self, message: EmailMessage) -> str:
        """Send `message`; return the relay's answer, or raise DeliveryError."""
        return await self._deliver(lambda smtp: smtp.send_message(message))

    async def send_raw(self, envelope_from: str, envelope_to: str, raw: bytes) -> str:
        """Send an already composed message (as the outbox keeps it), byte for byte."""
        return await self._deliver(lambda smtp: smtp.sendmail(envelope_from, [envelope_to], raw))

    async def _deliver(self, transaction) -> str:
        async with self._lock:
            try:
                smtp = await self._connected()
                refused, answer = await transaction(smtp)
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
