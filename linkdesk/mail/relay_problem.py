"""Telling what went wrong with the relay itself (its login, its certificate, its address) from
a client's address being refused: the former pause delivery for everyone and fail no client."""

from __future__ import annotations

import ssl

import aiosmtplib

from linkdesk.mail.errors import (
    CERTIFICATE,
    HOSTNAME,
    LOGIN_REFUSED,
    LOGIN_REQUIRED,
    SENDER_REFUSED,
    TLS_FAILED,
    UNREACHABLE,
    RelayProblem,
)

_HOSTNAME_CODES = {62, 64}  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH


def _cause(exc: BaseException | None, kind: type[BaseException]):
    """The first exception of `kind` in `exc`'s chain of causes (aiosmtplib wraps TLS errors)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, kind):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def from_connecting(exc: BaseException, host: str) -> RelayProblem:
    """What went wrong while connecting, negotiating TLS or logging in, as a relay problem."""
    if isinstance(exc, RelayProblem):
        return exc
    certificate = _cause(exc, ssl.SSLCertVerificationError)
    if certificate is not None:
        if certificate.verify_code in _HOSTNAME_CODES:
            return RelayProblem(HOSTNAME, f"the relay's certificate is not valid for {host!r}")
        return RelayProblem(CERTIFICATE, "the relay's certificate cannot be trusted: "
                                         f"{certificate.verify_message or certificate}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return RelayProblem(LOGIN_REFUSED, f"{exc.code} {exc.message}")
    if isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code in (530, 534, 535, 538):
        return RelayProblem(LOGIN_REFUSED if exc.code != 530 else LOGIN_REQUIRED,
                            f"{exc.code} {exc.message}")
    tls = _cause(exc, ssl.SSLError)
    if tls is not None:
        return RelayProblem(TLS_FAILED, f"TLS with the relay failed: {tls.reason or tls}")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return RelayProblem(UNREACHABLE, f"{exc.code} {exc.message}")
    return RelayProblem(UNREACHABLE, str(exc) or type(exc).__name__)


def from_sender_refused(exc: aiosmtplib.SMTPSenderRefused) -> RelayProblem:
    """MAIL FROM refused: about our login or our From address, never about the client."""
    if exc.code == 530:
        return RelayProblem(LOGIN_REQUIRED, f"{exc.code} {exc.message}")
    if exc.code < 500:
        return RelayProblem(UNREACHABLE, f"{exc.code} {exc.message}")
    return RelayProblem(SENDER_REFUSED, f"{exc.code} {exc.message}")
