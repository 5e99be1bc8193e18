"""The firm's mail relay as given by `--smtp` / LINKDESK_SMTP: smtp://, smtp+starttls://, smtps://."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

_SCHEMES = {
    "smtp": ("plain", 25),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("tls", 465),
}


class RelayUrlError(ValueError):
    """The relay URL cannot be used; the message says why."""


@dataclass(frozen=True)
class RelayConfig:
    """Where to send mail and how: host, port, security, login."""

    host: str
    port: int
    security: str  # "plain", "starttls" or "tls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    trusted_link: bool = False
    """The network to the relay is the firm's own: a login may cross it without TLS."""

    @classmethod
    def parse(cls, url: str, password: str | None = None, timeout: float = 30.0,
              trusted_link: bool = False) -> RelayConfig:
        """Read `smtp://[user@]host[:port]` (and the starttls / tls forms)."""
        parts = urlsplit((url or "").strip())
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            raise RelayUrlError(
                f"unsupported mail relay scheme {scheme or '(none)'!r} "
                "(use smtp://, smtp+starttls:// or smtps://)"
            )
        if not parts.hostname:
            raise RelayUrlError(f"no host in {url!r}")
        if parts.password:
            raise RelayUrlError("put the relay password in mail.password_file (or "
                                "LINKDESK_SMTP_PASSWORD), not the URL")
        try:
            port = parts.port
        except ValueError as exc:
            raise RelayUrlError(f"bad port in {url!r}") from exc
        if parts.path not in ("", "/") or parts.query:
            raise RelayUrlError(f"unexpected path or query in {url!r}")
        security, default_port = _SCHEMES[scheme]
        username = unquote(parts.username) if parts.username else None
        return cls(parts.hostname, port or default_port, security, username, password, timeout,
                   trusted_link)

    def describe(self) -> str:
        who = f"{self.username}@" if self.username else ""
        return f"{self.security} {who}{self.host}:{self.port}"


def tls_context(ca_file=None):
    """The system's trusted authorities, and the firm's own (`mail.ca_file`) if it has one;
    the relay's name is always checked against its certificate."""
    import ssl

    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=str(ca_file))
    return context
