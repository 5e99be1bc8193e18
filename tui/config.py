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


def default_tax_year(today: dt.date | None = None) -> int:
    """The year being filed: the previous calendar year."""
    return (today or dt.date.today()).year - 1


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

    @classmethod
    def from_env(cls, db: str | None = None, language: str | None = None) -> Settings:
        """Settings from flags, then LINKDESK_* variables, then the defaults."""
        from tui.i18n import pick_language

        db_url = db or os.environ.get("LINKDESK_DB") or str(default_database_path())
        region = (os.environ.get("LINKDESK_REGION") or "CA").upper()
        return cls(db_url=db_url, language=pick_language(language), region=region)
