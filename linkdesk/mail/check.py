"""The relay check before the season: connect, TLS, certificate, login, and a test message if
asked; each step with what it found, and for a failure the kind of problem (what to change)."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
from dataclasses import dataclass

import aiosmtplib

from linkdesk.mail.errors import CLEARTEXT_LOGIN, NO_LOGIN, NO_STARTTLS, RelayProblem
from linkdesk.mail.relay import RelayConfig
from linkdesk.mail.relay_problem import from_connecting, from_sender_refused
from linkdesk.mail.sender import greet

CONNECT, TLS, LOGIN, SEND = "connect", "tls", "login", "send"


@dataclass(frozen=True)
class Step:
    """One step of the check: passed (True), failed (False) or not tried (None)."""

    name: str  # connect, tls, login, send
    ok: bool | None
    detail: str = ""  # what it found: the greeting, the certificate, the relay's words
    kind: str | None = None  # for a failure: linkdesk.mail.errors kind (what to change)


def _certificate_summary(smtp: aiosmtplib.SMTP) -> str:
    ssl_object = smtp.get_transport_info("ssl_object")
    if ssl_object is None:
        return ""
    cert = ssl_object.getpeercert() or {}
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP")]
    issuer = dict(item[0] for item in cert.get("issuer", ()) if item)
    until = cert.get("notAfter", "")
    if until:
        until = dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(until), dt.UTC).date()
    parts = [ssl_object.version() or "TLS"]
    if names:
        parts.append("certificate for " + ", ".join(names[:4]))
    if issuer:
        parts.append("issued by " + str(issuer.get("organizationName")
                                        or issuer.get("commonName") or "?"))
    if until:
        parts.append(f"valid until {until}")
    return "; ".join(parts)


async def check_relay(relay: RelayConfig, context: ssl.SSLContext, sender: str,
                      send_to: str | None = None) -> list[Step]:
    """Every step of reaching the relay as delivery does, stopping at the first failure."""
    steps: list[Step] = []

    def failed(name: str, problem: RelayProblem) -> list[Step]:
        steps.append(Step(name, False, problem.said, problem.kind))
        done = {step.name for step in steps}
        for later in (CONNECT, TLS, LOGIN, SEND):
            if later not in done:
                steps.append(Step(later, None))
        return steps

    secure = relay.security in ("tls", "starttls")
    if relay.username and not secure and not relay.trusted_link:
        return failed(LOGIN, RelayProblem(
            CLEARTEXT_LOGIN, "the password would cross the network without TLS"))
    smtp = aiosmtplib.SMTP(hostname=relay.host, port=relay.port, use_tls=relay.security == "tls",
                           start_tls=False, timeout=relay.timeout, tls_context=context)
    try:
        stage = TLS if relay.security == "tls" else CONNECT
        try:
            greeting = await smtp.connect()
        except Exception as exc:
            problem = from_connecting(exc, relay.host)
            if stage == TLS and problem.kind == "unreachable":
                stage = CONNECT
            if stage == TLS:
                steps.append(Step(CONNECT, True, f"{relay.host}:{relay.port}"))
            return failed(stage, problem)
        steps.append(Step(CONNECT, True, f"{relay.host}:{relay.port}: {greeting.code} "
                                         f"{greeting.message}".strip()))
        try:
            await greet(smtp)
            if relay.security == "starttls":
                if not smtp.supports_extension("starttls"):
                    return failed(TLS, RelayProblem(NO_STARTTLS,
                                                    "the relay does not offer STARTTLS"))
                await smtp.starttls()
                await greet(smtp)
        except Exception as exc:
            return failed(TLS, from_connecting(exc, relay.host))
        steps.append(Step(TLS, True, _certificate_summary(smtp)) if secure else
                     Step(TLS, None, "no TLS (smtp://)"))
        if relay.username:
            if not smtp.supports_extension("auth"):
                return failed(LOGIN, RelayProblem(NO_LOGIN, "the relay offers no login (AUTH)"))
            try:
                answer = await smtp.login(relay.username, relay.password or "")
            except Exception as exc:
                return failed(LOGIN, from_connecting(exc, relay.host))
            steps.append(Step(LOGIN, True, f"{relay.username}: {answer.code} {answer.message}"))
        else:
            steps.append(Step(LOGIN, None, "no user in mail.relay"))
        if send_to:
            steps.append(await _send_test(smtp, sender, send_to))
        else:
            steps.append(Step(SEND, None, "no --send-to"))
        return steps
    finally:
        if smtp.is_connected:
            try:
                await asyncio.wait_for(smtp.quit(), 5)
            except Exception:
                smtp.close()


def relay_check_message(sender: str, send_to: str, when: dt.datetime | None = None):
    """The test message of `linkdesk mail check --send-to` (an EmailMessage)."""
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    from linkdesk.mail.compose import mail_date

    message = EmailMessage()
    message["From"] = sender
    message["To"] = send_to
    message["Subject"] = "linkdesk: relay check"
    message["Date"] = format_datetime(mail_date(when))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "linkdesk.invalid")
    message.set_content("This message was sent by `linkdesk mail check` to test the firm's mail "
                        "relay. Nothing needs to be done.\n")
    return message


async def _send_test(smtp: aiosmtplib.SMTP, sender: str, send_to: str) -> Step:
    message = relay_check_message(sender, send_to)
    try:
        refused, answer = await smtp.send_message(message)
    except aiosmtplib.SMTPSenderRefused as exc:
        problem = from_sender_refused(exc)
        return Step(SEND, False, problem.said, problem.kind)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        words = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        return Step(SEND, False, f"{send_to}: {words}", "recipient_refused")
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        return Step(SEND, False, str(exc) or type(exc).__name__, "unreachable")
    if refused:
        words = "; ".join(f"{r.code} {r.message}" for r in refused.values())
        return Step(SEND, False, f"{send_to}: {words}", "recipient_refused")
    return Step(SEND, True, f"{send_to}: {answer}")
