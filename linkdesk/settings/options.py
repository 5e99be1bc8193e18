"""Every setting linkdesk reads: its key in linkdesk.toml, its variable, its flag, its check."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


class BadValue(ValueError):
    """A value cannot be used; the message says why, without saying where it came from."""


@dataclass(frozen=True)
class Option:
    """One setting and the places it may come from, strongest first: flag, variable, file."""

    key: str
    """Its name in linkdesk.toml: `database`, `mail.relay`, `links.days`..."""
    field: str
    """The Settings field it fills."""
    check: Callable[[object], object]
    """Turns what was given into the value, or raises BadValue."""
    env: str | None = None
    flag: str | None = None
    """The flag as a person types it (`--smtp`); its argparse dest is derived from it."""
    secret: bool = False
    """Never printed; in the file only as `<key>_file`, a path to a file holding it, and
    from the environment either as the variable or as `<variable>_FILE`."""
    help: str = ""

    @property
    def dest(self) -> str | None:
        return self.flag[2:].replace("-", "_") if self.flag else None

    @property
    def file_key(self) -> str:
        return f"{self.key}_file" if self.secret else self.key


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise BadValue(f"expected text, got {value!r}")
    return value.strip()


def _anything(value: object) -> str:
    """Text kept exactly (a password may have spaces at either end)."""
    if not isinstance(value, str):
        raise BadValue("expected text")
    return value


def _minutes(low: float, high: float) -> Callable[[object], float]:
    """Minutes, fractions allowed (0.5 is 30 seconds): a whole number stays an int."""
    def check(value: object) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise BadValue(f"not a number of minutes: {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise BadValue(f"not a number of minutes: {value!r}")
        if not low <= value <= high:
            raise BadValue(f"must be from {low:g} to {high:g} minutes, got {value:g}")
        return int(value) if float(value).is_integer() else float(value)

    return check


def _whole(low: int, high: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise BadValue(f"not a whole number: {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadValue(f"not a whole number: {value!r}")
        if not low <= value <= high:
            raise BadValue(f"must be from {low} to {high}, got {value}")
        return value

    return check


def _database(value: object) -> str:
    from store.target import DatabaseUrlError, parse_database_url

    text = _text(value)
    try:
        parse_database_url(text)
    except DatabaseUrlError as exc:
        raise BadValue(str(exc)) from None
    return text


def _language(value: object) -> str:
    text = _text(value).lower()
    if text not in ("en", "fr"):
        raise BadValue(f"expected en or fr, got {value!r}")
    return text


def _region(value: object) -> str:
    import phonenumbers

    text = _text(value).upper()
    if text not in phonenumbers.SUPPORTED_REGIONS:
        raise BadValue(f"not a region code (CA, US, FR...): {value!r}")
    return text


def _relay(value: object) -> str:
    from linkdesk.mail.relay import RelayConfig, RelayUrlError

    text = _text(value)
    if text:
        try:
            RelayConfig.parse(text)
        except RelayUrlError as exc:
            raise BadValue(str(exc)) from None
    return text


def _sender(value: object) -> str:
    from linkdesk.i18n import _

    text = _text(value)
    if "@" not in text or any(c in text for c in "\r\n "):
        raise BadValue(_("not an email address: {value!r}").format(value=text))
    return text


def _link_base(value: object) -> str:
    from linkdesk.i18n import _

    text = _text(value)
    link = urlsplit(text)
    if link.scheme not in ("http", "https") or not link.hostname or link.query:
        raise BadValue(_("expected http(s)://host[:port][/path], got {url!r}").format(url=text))
    return text


def _portal(value: object) -> str:
    """The firm's client portal: an https address (http only on this machine), or empty."""
    from linkdesk.i18n import _

    text = _text(value)
    if not text:
        return ""
    link = urlsplit(text)
    local = link.hostname in ("127.0.0.1", "localhost", "::1")
    if not link.hostname or not (link.scheme == "https" or (link.scheme == "http" and local)) \
            or any(c.isspace() or c in '<>"' for c in text):
        raise BadValue(_("expected https://host[/path], got {url!r}").format(url=text))
    return text


def _hook_url(value: object) -> str:
    """Where the firm's systems hear of events: an http(s) address without a password in it
    (the signature says the request is ours), or empty for none."""
    from linkdesk.i18n import _

    text = _text(value)
    if not text:
        return ""
    link = urlsplit(text)
    try:
        link.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        link = link._replace(netloc="")
    if link.scheme not in ("http", "https") or not link.hostname \
            or any(c.isspace() or c in '<>"' for c in text):
        raise BadValue(_("expected http(s)://host[:port]/path, got {url!r}").format(url=text))
    if link.username is not None or link.password is not None:
        raise BadValue(_("no user or password in the address: the signature "
                         "(hooks.secret_file) says the request comes from linkdesk"))
    return text


# Textual's built-in themes (8.2.8), named here so that settings are read without importing
# the terminal UI; tests/test_import_hygiene.py checks each against the pinned Textual.
THEMES = (
    "ansi-dark", "ansi-light", "atom-one-dark", "atom-one-light", "catppuccin-frappe",
    "catppuccin-latte", "catppuccin-macchiato", "catppuccin-mocha", "dracula", "flexoki",
    "gruvbox", "monokai", "nord", "rose-pine", "rose-pine-dawn", "rose-pine-moon",
    "solarized-dark", "solarized-light", "textual-dark", "textual-light", "tokyo-night",
)


def _theme(value: object) -> str:
    from linkdesk.i18n import _

    text = _text(value)
    if text and text not in THEMES:
        raise BadValue(_("unknown theme {name!r} (one of {names})").format(
            name=text, names=", ".join(THEMES)))
    return text


def _path(value: object):
    from pathlib import Path

    text = _text(value)
    return Path(text).expanduser() if text else None


def _optional_address(value: object) -> str:
    text = _text(value)
    return _sender(text) if text else ""


def _optional_port(value: object) -> int | None:
    if isinstance(value, str) and not value.strip():
        return None
    return _whole(0, 65535)(value)


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise BadValue(f"expected true or false, got {value!r}")


def _ca_file(value: object):
    """A PEM file of certificate authorities, readable and holding at least one."""
    import ssl

    path = _path(value)
    if path is None:
        return None
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except FileNotFoundError:
        raise BadValue(f"no such file: {path}") from None
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise BadValue(f"not a PEM certificate file: {path} ({exc})") from None
    return path


def _host(value: object) -> str:
    text = _text(value)
    if not text or any(c.isspace() for c in text):
        raise BadValue(f"not a host name or address: {value!r}")
    return text


FORWARDED_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")


def _forwarded_header(value: object) -> str:
    from linkdesk.i18n import _

    text = _text(value).strip()
    for name in FORWARDED_HEADERS:
        if text.casefold() == name.casefold():
            return name
    raise BadValue(_("unknown header {name!r} (one of {names})").format(
        name=text, names=", ".join(FORWARDED_HEADERS)))


def _networks(value: object) -> tuple[str, ...]:
    """Addresses or networks (127.0.0.1, 10.0.0.0/8, ::1): a TOML array or a comma list."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",") if part.strip()]
    elif isinstance(value, list):
        items = value
    else:
        raise BadValue(f"expected a list of addresses, got {value!r}")
    networks = []
    for item in items:
        if not isinstance(item, str):
            raise BadValue(f"not an address or network: {item!r}")
        try:
            networks.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise BadValue(f"not an address or network: {item!r}") from None
    return tuple(networks)


OPTIONS: tuple[Option, ...] = (
    Option("database", "db_url", _database, env="LINKDESK_DB", flag="--db",
           help="file path, sqlite:///PATH or postgresql://user@host:port/db"),
    Option("database_password", "db_password", _anything, env="LINKDESK_DB_PASSWORD",
           secret=True, help="PostgreSQL password, when the URL has none"),
    Option("language", "language", _language, env="LINKDESK_LANG", flag="--lang",
           help="en or fr; default: the terminal's locale"),
    Option("region", "region", _region, env="LINKDESK_REGION",
           help="for phone numbers typed without +country"),
    Option("theme", "theme", _theme, env="LINKDESK_THEME", flag="--theme",
           help="colour theme; empty: Textual's default"),
    Option("data_dir", "data_dir", _path, env="LINKDESK_DATA_DIR",
           help="where the built-in mail capture keeps its Maildir"),
    Option("mail.relay", "smtp_url", _relay, env="LINKDESK_SMTP", flag="--smtp",
           help="smtp://[user@]host[:port], smtp+starttls://..., smtps://...; empty: capture"),
    Option("mail.password", "smtp_password", _anything, env="LINKDESK_SMTP_PASSWORD",
           secret=True, help="the relay user's password"),
    Option("mail.from", "sender_address", _sender, env="LINKDESK_FROM",
           help="the From address of invitations"),
    Option("mail.ca_file", "smtp_ca_file", _ca_file, env="LINKDESK_SMTP_CA_FILE",
           help="the firm's own certificate authority for its relay (PEM), besides the "
                "system's"),
    Option("mail.trusted_link", "smtp_trusted_link", _flag, env="LINKDESK_SMTP_TRUSTED_LINK",
           help="the network to the relay is the firm's own: log in without TLS"),
    Option("mail.bounce_address", "bounce_address", _optional_address,
           env="LINKDESK_BOUNCE_ADDRESS",
           help="the Return-Path of invitations, as bounces+TAG@...: where bounces go"),
    Option("mail.bounce_port", "bounce_port", _optional_port, env="LINKDESK_BOUNCE_PORT",
           help="port of the bounce intake (SMTP, on service.host) the MX forwards to"),
    Option("mail.connections", "smtp_connections", _whole(1, 32),
           env="LINKDESK_SMTP_CONNECTIONS", help="connections to the relay used side by side"),
    Option("links.base", "link_base", _link_base, env="LINKDESK_LINK_BASE", flag="--link-base",
           help="where invitation links point"),
    Option("links.days", "link_days", _whole(1, 365), env="LINKDESK_LINK_DAYS",
           help="how many days an invitation link works"),
    Option("links.portal", "portal_url", _portal, env="LINKDESK_PORTAL",
           help="the firm's client portal: the accepted page leads there, invitations say "
                "where it is; empty: the page says the firm will be in touch"),
    Option("hooks.url", "hooks_url", _hook_url, env="LINKDESK_HOOKS_URL",
           help="the firm's systems are told of events here (signed POSTs); empty: none"),
    Option("hooks.secret", "hooks_secret", _anything, env="LINKDESK_HOOKS_SECRET", secret=True,
           help="the key that signs each webhook (HMAC-SHA256); the receiver keeps the same"),
    Option("service.host", "service_host", _host, env="LINKDESK_HOST", flag="--host",
           help="address `linkdesk serve` listens on"),
    Option("service.port", "service_port", _whole(0, 65535), env="LINKDESK_PORT",
           flag="--port", help="port `linkdesk serve` listens on (0: any free port)"),
    Option("service.log_file", "log_file", _path, env="LINKDESK_LOG_FILE", flag="--log-file",
           help="`linkdesk serve` appends its events here; default: stderr"),
    Option("service.trusted_proxies", "trusted_proxies", _networks,
           env="LINKDESK_TRUSTED_PROXIES",
           help="reverse proxies whose forwarded header names the client"),
    Option("service.forwarded_header", "forwarded_header", _forwarded_header,
           env="LINKDESK_FORWARDED_HEADER",
           help="the one header the trusted proxies set: X-Forwarded-For, Forwarded or "
                "X-Real-IP (any other, a client may have written)"),
    Option("ssh.port", "ssh_port", _optional_port, env="LINKDESK_SSH_PORT", flag="--ssh-port",
           help="`linkdesk serve` opens the desk over SSH on this port; empty: no door"),
    Option("ssh.host", "ssh_host", _host, env="LINKDESK_SSH_HOST",
           help="address the SSH door listens on (0.0.0.0: every address); default: this "
                "machine only, as service.host"),
    Option("ssh.host_key", "ssh_host_key", _path, env="LINKDESK_SSH_HOST_KEY",
           help="the door's ed25519 host key, made once (0600); default: in data_dir"),
    Option("ssh.passwords", "ssh_passwords", _flag, env="LINKDESK_SSH_PASSWORDS",
           help="passwords over SSH too (through the sign-in lockout); default: keys only"),
    Option("ssh.idle_minutes", "ssh_idle_minutes", _minutes(0.05, 24 * 60),
           env="LINKDESK_SSH_IDLE_MINUTES",
           help="an SSH session idle this long ends (fractions allowed: 0.5 is 30 seconds)"),
    Option("ssh.max_sessions", "ssh_max_sessions", _whole(1, 1000),
           env="LINKDESK_SSH_MAX_SESSIONS", help="SSH sessions open at once"),
    Option("ssh.warm", "ssh_warm", _flag, env="LINKDESK_SSH_WARM",
           help="sessions start as forks of a process that has imported the desk already; "
                "false: each session is a new Python"),
    Option("ssh.demo", "ssh_demo", _flag, env="LINKDESK_SSH_DEMO",
           help="`ssh demo@host` opens a throwaway demo, for anyone"),
    Option("ssh.demo_sessions", "ssh_demo_sessions", _whole(1, 64),
           env="LINKDESK_SSH_DEMO_SESSIONS", help="demos open at once"),
    Option("ssh.demo_minutes", "ssh_demo_minutes", _minutes(0.05, 24 * 60),
           env="LINKDESK_SSH_DEMO_MINUTES",
           help="a demo ends this long after it opened (fractions allowed)"),
)

BY_KEY = {option.key: option for option in OPTIONS}
FILE_KEYS = {option.file_key: option for option in OPTIONS}
