"""Settings from flags and the environment, checked once, before anything starts."""

from __future__ import annotations

import datetime as dt
import os
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


def _positive_int(env, name: str, default: int) -> int:
    """A whole number of at least 1 from the environment; ValueError names the variable."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}: not a whole number: {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name}: must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything the app needs to start; every field comes from a flag or the environment."""

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
    """The relay password (LINKDESK_SMTP_PASSWORD only, never a flag)."""
    sender_address: str = "invitations@linkdesk.localhost"
    """The From address of invitations (LINKDESK_FROM)."""
    link_base: str = DEFAULT_LINK_BASE
    """Where invitation links point; with the default, the app serves the page itself."""
    data_dir: Path = field(default_factory=default_data_dir)
    """Where the built-in mail capture keeps its Maildir."""
    link_days: int = 30
    """How many days an invitation link works (LINKDESK_LINK_DAYS)."""
    theme: str = ""
    """Colour theme (--theme / LINKDESK_THEME); empty: Textual's default."""
    smtp_connections: int = 4
    """Connections to the relay used side by side (LINKDESK_SMTP_CONNECTIONS)."""

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

    @classmethod
    def from_env(
        cls, db: str | None = None, language: str | None = None, smtp: str | None = None,
        link_base: str | None = None, theme: str | None = None,
    ) -> Settings:
        """Settings from flags, then LINKDESK_* variables, then the defaults."""
        from tui.i18n import pick_language

        env = os.environ
        db_url = db or env.get("LINKDESK_DB") or str(default_database_path())
        region = (env.get("LINKDESK_REGION") or "CA").upper()
        return cls(
            db_url=db_url, language=pick_language(language), region=region,
            smtp_url=smtp or env.get("LINKDESK_SMTP", ""),
            smtp_password=env.get("LINKDESK_SMTP_PASSWORD", ""),
            sender_address=env.get("LINKDESK_FROM") or cls.sender_address,
            link_base=(link_base or env.get("LINKDESK_LINK_BASE") or DEFAULT_LINK_BASE),
            link_days=_positive_int(env, "LINKDESK_LINK_DAYS", 30),
            theme=(theme or env.get("LINKDESK_THEME") or "").strip(),
            smtp_connections=min(_positive_int(env, "LINKDESK_SMTP_CONNECTIONS", 4), 32),
        )
