"""Where each setting comes from: flag, then environment, then linkdesk.toml, then default."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkdesk.settings.options import BY_KEY, FILE_KEYS, OPTIONS, BadValue, Option
from linkdesk.settings.values import Settings

CONFIG_ENV = "LINKDESK_CONFIG"
DEFAULT = "default"


class ConfigError(ValueError):
    """A setting cannot be used; the message names where it came from (file and key, variable
    or flag) and why, in one line."""


def default_config_path() -> Path:
    """`linkdesk.toml` in the user's config directory (platformdirs)."""
    from platformdirs import user_config_path

    return user_config_path("linkdesk", appauthor=False) / "linkdesk.toml"


@dataclass(frozen=True)
class Given:
    """A value as given, before it is checked, and where it was given."""

    value: object
    origin: str
    """`--db`, `LINKDESK_DB`, `/etc/linkdesk/linkdesk.toml: database`, or `default`."""


@dataclass
class Effective:
    """The settings in effect and, for each key, where it came from."""

    settings: Settings
    origins: dict[str, str] = field(default_factory=dict)
    config_file: Path | None = None
    config_file_found: bool = False


def config_path(flag: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The settings file and whether it was named (then it must exist)."""
    if flag:
        return Path(flag).expanduser(), True
    if env.get(CONFIG_ENV, "").strip():
        return Path(env[CONFIG_ENV].strip()).expanduser(), True
    return default_config_path(), False


def read_config_file(path: Path, named: bool) -> dict[str, object]:
    """The file's settings by dotted key (`mail.relay`); every key must be known."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if named:
            raise ConfigError(f"{path}: no such settings file") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    import tomllib  # only when there is a file: `status` on a machine without one skips it

    try:
        table = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    flat: dict[str, object] = {}
    _flatten(table, "", flat)
    for key in flat:
        if key in FILE_KEYS:
            continue
        if key in BY_KEY and BY_KEY[key].secret:
            raise ConfigError(
                f"{path}: {key}: a secret is not written in the settings file; put it in a "
                f"file of its own (mode 0600) and name that file with {key}_file")
        close = difflib.get_close_matches(key, list(FILE_KEYS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ConfigError(f"{path}: {key}: unknown setting{hint}")
    return flat


def _flatten(table: Mapping[str, object], prefix: str, into: dict[str, object]) -> None:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, dotted + ".", into)
        else:
            into[dotted] = value


def _given(option: Option, flags: Mapping[str, object], env: Mapping[str, str],
           file_values: Mapping[str, object], path: Path) -> Given | None:
    """The strongest place this setting was given, or None for its default."""
    if option.dest and flags.get(option.dest) is not None:
        return Given(flags[option.dest], option.flag or option.dest)
    if option.env and env.get(option.env, "") != "":
        return Given(env[option.env], option.env)
    if option.secret and option.env and env.get(option.env + "_FILE", "").strip():
        name = option.env + "_FILE"
        return Given(_read_secret(env[name].strip(), name), name)
    if option.file_key in file_values:
        origin = f"{path}: {option.file_key}"
        value = file_values[option.file_key]
        if option.secret:
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{origin}: expected the path of a file")
            value = _read_secret(value.strip(), origin)
        return Given(value, origin)
    return None


def _read_secret(path_text: str, origin: str) -> str:
    """A secret kept in a file of its own: its first line (a trailing newline is not part
    of it)."""
    try:
        text = Path(path_text).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{origin}: cannot read {path_text}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{origin}: {path_text} is not UTF-8 text") from None
    secret = text.split("\n", 1)[0].rstrip("\r")
    if not secret:
        raise ConfigError(f"{origin}: {path_text} is empty")
    return secret


def resolve(flags: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None,
            config_flag: str | None = None,
            on_language: Callable[[str], None] | None = None) -> Effective:
    """Every setting from the strongest place it was given; ConfigError names the place of
    the first one that cannot be used. The language is settled first and handed to
    `on_language`, so that the messages about the others are in it."""
    flags = flags or {}
    env = os.environ if env is None else env
    path, named = config_path(config_flag, env)
    file_values = read_config_file(path, named)
    values: dict[str, Any] = {}  # each checked by its option: the type Settings declares
    origins: dict[str, str] = {}
    language_first = sorted(OPTIONS, key=lambda option: option.key != "language")
    for option in language_first:
        given = _given(option, flags, env, file_values, path)
        if given is None:
            origins[option.key] = DEFAULT
        else:
            try:
                values[option.field] = option.check(given.value)
            except BadValue as exc:
                raise ConfigError(f"{given.origin}: {exc}") from None
            origins[option.key] = given.origin
        if option.key == "language":
            if "language" not in values:
                from linkdesk.i18n import pick_language

                values["language"] = pick_language(None)  # the terminal's locale, else English
            if on_language:
                on_language(values["language"])
    if values.get("hooks_url") and not values.get("hooks_secret"):
        from linkdesk.i18n import _

        raise ConfigError(_("{origin}: hooks.url needs hooks.secret_file (or "
                            "LINKDESK_HOOKS_SECRET): every webhook is signed").format(
            origin=origins["hooks.url"]))
    if "data_dir" in values and values["data_dir"] is None:
        del values["data_dir"]  # given empty: the default
    return Effective(Settings(**values), origins, path, path.exists())


def described(effective: Effective) -> list[tuple[str, str, str]]:
    """(key, value as a person may see it, where it came from) for every setting; secrets
    and a password in the database URL are masked."""
    from store.target import DatabaseUrlError, parse_database_url

    rows = []
    settings = effective.settings
    for option in OPTIONS:
        value = getattr(settings, option.field)
        if option.secret:
            shown = "*** (set)" if value else "(not set)"
        elif option.field == "db_url":
            try:
                shown = parse_database_url(value).describe()
            except DatabaseUrlError:
                shown = "(unusable)"
        elif isinstance(value, tuple):
            shown = ", ".join(value) or "(none)"
        elif value is None or value == "":
            shown = "(none)"
        else:
            shown = str(value)
        rows.append((option.key, shown, effective.origins.get(option.key, DEFAULT)))
    return rows

