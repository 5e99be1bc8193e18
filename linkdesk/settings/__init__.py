"""Every setting linkdesk reads, in one place: what it is (values: the Settings handed to the
app, the service and the commands at construction), where it may come from and how it is
checked (options: its key in linkdesk.toml, its variable, its flag), and how one value is
chosen among them (sources: flag, then environment, then linkdesk.toml, then default).

Import from here (`from linkdesk.settings import Settings, resolve`); each name loads only
the part it lives in, so a command that needs Settings alone does not load the option checks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are, for the type checker; loaded lazily below
    from linkdesk.settings.options import BY_KEY, FILE_KEYS, OPTIONS, THEMES, BadValue, Option
    from linkdesk.settings.sources import (
        CONFIG_ENV,
        ConfigError,
        config_path,
        default_config_path,
        described,
        read_config_file,
        resolve,
    )
    from linkdesk.settings.values import (
        DEFAULT_LINK_BASE,
        Settings,
        default_data_dir,
        default_database_path,
        default_tax_year,
    )

_WHERE = {
    "values": ("Settings", "DEFAULT_LINK_BASE", "default_data_dir", "default_database_path",
               "default_tax_year"),
    "options": ("BY_KEY", "FILE_KEYS", "OPTIONS", "THEMES", "BadValue", "Option"),
    "sources": ("CONFIG_ENV", "ConfigError", "config_path", "default_config_path", "described",
                "read_config_file", "resolve"),
}
_PART = {name: part for part, names in _WHERE.items() for name in names}

__all__ = [
    "BY_KEY",
    "CONFIG_ENV",
    "DEFAULT_LINK_BASE",
    "FILE_KEYS",
    "OPTIONS",
    "THEMES",
    "BadValue",
    "ConfigError",
    "Option",
    "Settings",
    "config_path",
    "default_config_path",
    "default_data_dir",
    "default_database_path",
    "default_tax_year",
    "described",
    "read_config_file",
    "resolve",
]


def __getattr__(name: str) -> Any:
    part = _PART.get(name)
    if part is None:
        raise AttributeError(f"module 'linkdesk.settings' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"linkdesk.settings.{part}"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value
