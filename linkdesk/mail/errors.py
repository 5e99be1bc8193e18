"""What can go wrong sending: a message refused or delayed, or the relay itself unusable."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message was not accepted by the relay; `permanent` says whether trying again helps."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


LOGIN_REFUSED = "login_refused"  # 535 and kin: the user or the password is wrong
NO_LOGIN = "no_login"  # a user is set, the relay offers no AUTH
LOGIN_REQUIRED = "login_required"  # the relay wants a login and none is set (530)
CLEARTEXT_LOGIN = "cleartext_login"  # a password would cross a link without TLS
NO_STARTTLS = "no_starttls"  # smtp+starttls:// and the relay offers no STARTTLS
CERTIFICATE = "certificate"  # not signed by an authority we trust, expired...
HOSTNAME = "hostname"  # valid, but for another name than the one we connect to
TLS_FAILED = "tls_failed"  # the handshake failed otherwise (protocol, plain port...)
UNREACHABLE = "unreachable"  # refused, no route, name unknown, timeout
SENDER_REFUSED = "sender_refused"  # MAIL FROM refused: the From address or the policy

KINDS = (LOGIN_REFUSED, NO_LOGIN, LOGIN_REQUIRED, CLEARTEXT_LOGIN, NO_STARTTLS, CERTIFICATE,
         HOSTNAME, TLS_FAILED, UNREACHABLE, SENDER_REFUSED)


class RelayProblem(DeliveryError):
    """The relay cannot be used as configured: nothing is the recipient's fault; every message
    waits, untouched, until the relay answers well."""

    def __init__(self, kind: str, said: str) -> None:
        super().__init__(said, permanent=False)
        self.kind = kind
        self.said = said

    def __str__(self) -> str:
        return self.said
