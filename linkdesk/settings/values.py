"""Settings from flags, the environment and linkdesk.toml, checked once, before anything starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


def default_database_path() -> Path:
    """`linkdesk.db` in the user's data directory (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path("linkdesk", appauthor=False) / "linkdesk.db"


DEFAULT_LINK_BASE = "http://127.0.0.1:8765"


def default_data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path("linkdesk", appauthor=False)


def default_tax_year(today: dt.date | None = None) -> int:
    """The year being filed: the previous calendar year."""
    return (today or dt.date.today()).year - 1


@dataclass(frozen=True)
class Settings:
    """Everything the app and the service need to start (see linkdesk.settings.options for
    where each comes from: flag, environment, linkdesk.toml, default)."""

    db_url: str = field(default_factory=lambda: str(default_database_path()))
    """The database: file path, sqlite:///PATH or postgresql://user@host:port/db."""
    language: str = "en"
    """The language of every screen: en or fr."""
    region: str = "CA"
    """Region for phone numbers typed without a country code."""
    tax_year: int = field(default_factory=default_tax_year)
    """The tax year the client list opens on."""
    smtp_url: str = ""
    """The firm's mail relay (smtp://, smtp+starttls://, smtps://); empty: the built-in capture."""
    smtp_password: str = field(default="", repr=False)
    """The relay password (environment or a file, never a flag)."""
    db_password: str = field(default="", repr=False)
    """The PostgreSQL password when the URL has none (environment or a file, never a flag)."""
    sender_address: str = "invitations@linkdesk.localhost"
    """The From address of invitations (LINKDESK_FROM)."""
    link_base: str = DEFAULT_LINK_BASE
    """Where invitation links point; with the default, the app serves the page itself."""
    portal_url: str = ""
    """The firm's client portal (links.portal): the accepted page leads there and invitations
    say where it is; empty: the page says the firm will be in touch."""
    hooks_url: str = ""
    """Where the firm's systems hear of events (hooks.url): signed POSTs; empty: none."""
    hooks_secret: str = field(default="", repr=False)
    """The key the webhooks are signed with (hooks.secret_file, never a flag)."""
    data_dir: Path = field(default_factory=default_data_dir)
    """Where the built-in mail capture keeps its Maildir."""
    link_days: int = 30
    """How many days an invitation link works (LINKDESK_LINK_DAYS)."""
    theme: str = ""
    """Colour theme (--theme / LINKDESK_THEME); empty: Textual's default."""
    smtp_connections: int = 8
    """Connections to the relay used side by side (LINKDESK_SMTP_CONNECTIONS)."""
    smtp_ca_file: Path | None = None
    """A firm's own certificate authority for its relay (PEM), besides the system's."""
    smtp_trusted_link: bool = False
    """The network to the relay is the firm's own: the login may cross it without TLS."""
    bounce_address: str = ""
    """Where bounces go (the Return-Path, as bounces+TAG@...); empty: the From address."""
    bounce_port: int | None = None
    """The port of the bounce intake (SMTP, on service.host); None: no intake."""
    service_host: str = "127.0.0.1"
    """The address `linkdesk serve` listens on."""
    service_port: int = 8765
    """The port `linkdesk serve` listens on."""
    log_file: Path | None = None
    """Where `linkdesk serve` appends its events; None: stderr."""
    trusted_proxies: tuple[str, ...] = ()
    """Networks of the reverse proxies whose forwarded headers name the client."""
    forwarded_header: str = "X-Forwarded-For"
    """The one header the trusted proxies set (X-Forwarded-For, Forwarded or X-Real-IP): any
    other may have come from the client, whose proxy passed it through untouched."""

    ssh_port: int | None = None
    """The port of the SSH door (`linkdesk serve`); None: no door."""
    ssh_host: str = "127.0.0.1"
    """The address the SSH door listens on: this machine only, as `service_host`, until the
    firm opens it (`0.0.0.0`, `::`, or the address preparers reach)."""
    ssh_host_key: Path | None = None
    """The door's ed25519 host key (made once, 0600); None: in the data directory."""
    ssh_passwords: bool = False
    """Passwords over SSH (through the sign-in lockout); off: keys only."""
    ssh_idle_minutes: float = 30
    """An SSH session with no key typed for this long ends (fractions allowed, from 0.05:
    3 seconds, which is what the tests use)."""
    ssh_max_sessions: int = 32
    """Sessions open at once through the door; the next is told to try later."""
    ssh_demo: bool = False
    """`ssh demo@host` opens a throwaway demo, for anyone."""
    ssh_demo_sessions: int = 4
    """Demos open at once."""
    ssh_warm: bool = True
    """Sessions start as forks of a warm process that has imported the desk (a connect costs
    a fork, not Python's imports); off: each session is a new Python."""
    ssh_demo_minutes: float = 15
    """A demo ends this long after it opened, whatever is typed (fractions allowed, from
    0.05: 3 seconds, which is what the tests use)."""

    @property
    def host_key_path(self) -> Path:
        """The door's host key file: `ssh.host_key`, else in the data directory."""
        return self.ssh_host_key or self.data_dir / "ssh_host_ed25519_key"

    @property
    def serves_acceptance_page(self) -> bool:
        return self.local_page_port is not None

    @property
    def local_page_port(self) -> int | None:
        """The port the app serves the acceptance page on: links point at this machine
        (http://127.0.0.1:PORT or http://localhost:PORT, no path); None otherwise."""
        from urllib.parse import urlsplit

        parts = urlsplit(self.link_base.rstrip("/"))
        try:
            port = parts.port or 80
        except ValueError:
            return None
        if parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost") \
                and not parts.path:
            return port
        return None

    @property
    def maildir(self) -> Path:
        return self.data_dir / "captured-mail"

    @property
    def database_url(self) -> str:
        """The database URL with the password from its own setting put in, when it has none."""
        if not self.db_password or not self.db_url.lower().startswith(("postgresql:", "postgres:")):
            return self.db_url
        from urllib.parse import quote, urlsplit

        parts = urlsplit(self.db_url)
        if parts.password is not None:
            return self.db_url
        user, host = parts.netloc.rsplit("@", 1) if "@" in parts.netloc else ("", parts.netloc)
        return parts._replace(netloc=f"{user}:{quote(self.db_password, safe='')}@{host}").geturl()
