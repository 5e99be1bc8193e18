"""The built-in mail capture: a local SMTP server (aiosmtpd) that keeps mail in a Maildir.

With no relay configured, invitations go here, so a fresh install works end to end; the app's
"Sent mail" screen reads them back.
"""

from __future__ import annotations

import asyncio
import binascii
import datetime as dt
import email
import mailbox
import os
import re
import threading
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime
from functools import cached_property
from pathlib import Path

from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import Envelope, Session

from linkdesk.mail import CAPTURED_ANSWER


class _MaildirHandler:
    """aiosmtpd handler: each message accepted is written to the Maildir (off the event loop)."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        self.sessions = 0  # connections seen: tests check that connections are reused

    async def handle_EHLO(self, server, session: Session, envelope: Envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content or b""
        if isinstance(data, str):  # only with decode_data, which the capture does not ask for
            data = data.encode("utf-8", "surrogateescape")
        await asyncio.to_thread(_store, self.maildir, data)
        return f"250 {CAPTURED_ANSWER}"


def _store(maildir: Path, data: bytes) -> None:
    """Keep one message, readable by this user only (it holds a live invitation link)."""
    key = mailbox.Maildir(maildir, create=True).add(data)
    os.chmod(maildir / "new" / key, 0o600)


def private_dir(path: Path) -> None:
    """`path` as a directory only this user can enter (0700), made or tightened."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


class CaptureServer:
    """An SMTP server on 127.0.0.1 run by this event loop; `port` is known once started."""

    def __init__(self, maildir: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self.port = port
        self.handler = _MaildirHandler(self.maildir)
        self._server: asyncio.Server | None = None

    async def start(self) -> CaptureServer:
        private_dir(self.maildir.parent)
        private_dir(self.maildir)
        for sub in ("tmp", "new", "cur"):  # what Maildir(create=True) makes, even if it exists
            private_dir(self.maildir / sub)
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTPProtocol(self.handler, hostname="linkdesk-capture", loop=loop,
                                 enable_SMTPUTF8=True),
            host=self.host, port=self.port,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None


class CapturedMail:
    """One captured message, as the Sent mail screen lists it, read lazily: its row (To,
    Subject, Date) from the headers alone, the whole message only when asked for."""

    def __init__(self, key: str, message: EmailMessage | None = None, *,
                 path: Path | None = None) -> None:
        self.key = key
        self.path = path
        if message is not None:
            self.__dict__["message"] = message

    def __repr__(self) -> str:  # never the body: it holds a live link
        return f"CapturedMail({self.key!r})"

    @cached_property
    def message(self) -> EmailMessage:
        assert self.path is not None  # made with its message, or read from its file
        with open(self.path, "rb") as handle:
            return email.message_from_binary_file(handle, policy=default_policy)

    @cached_property
    def heads(self) -> CapturedHeads | None:
        """The row: from the file's headers (kept by name and mtime), None if it has gone."""
        if "message" in self.__dict__ or self.path is None:
            return _heads_of(self.message)
        return read_heads(self.path)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def recipient(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        # Mail travels with CRLF line ends; a screen wants plain newlines.
        return part.get_content().replace("\r\n", "\n") if part is not None else ""


def read_captured(maildir: Path) -> list[CapturedMail]:
    """Every captured message, oldest first, none of them parsed yet (see CapturedMail).

    The files are listed, not opened, but for the newest FIRST_ROWS: their headers are read
    here, in the caller's thread, so that a screen listing them reads no file to draw.
    """
    paths = captured_paths(maildir)
    mails = [CapturedMail(path.name.split(":", 1)[0], path=path) for path in paths]
    with _cache_lock:
        if len(_heads_cache) > len(paths):  # forget messages no longer there
            for gone in set(_heads_cache) - set(paths):
                del _heads_cache[gone]
    for mail in mails[:FIRST_ROWS]:
        _ = mail.heads
    mails.reverse()
    return mails


def _arrival(key: str) -> tuple:
    """Order of arrival from a Maildir key ("<secs>.M<micro>P<pid>Q<n>.<host>").

    The microseconds are not zero-padded, so the keys do not sort as strings.
    """
    match = re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", key)
    if match is None:
        return (float("inf"), 0, 0, key)
    return (*(int(group) for group in match.groups()), key)


# The Sent mail screen reads the Maildir lazily: names first (no file opened), then the headers
# of the newest messages, then the rest in the background; a body only when one is opened.
# Parsing a whole message with the stdlib takes ~2 ms: 310 of them were 600 ms before a row.

FIRST_ROWS = 40  # headers read before the dialog is drawn: more than a terminal shows


@dataclass(frozen=True)
class CapturedHeads:
    """What a row of Sent mail shows of one message, read without parsing its body.

    `token` is the invitation link's token, to ask the store whether the link still works; it
    is never shown (only the opened message's body shows the link).
    """

    recipient: str
    subject: str
    date: dt.datetime | None  # the Date header, naive UTC (the store's and the screens' way)
    token: str | None = field(default=None, repr=False)

    @property
    def address(self) -> str:
        """The recipient's address alone, lowercased: two messages to the same person."""
        return parseaddr(self.recipient)[1].lower()


def captured_paths(maildir: Path) -> list[Path]:
    """Every captured message's file, newest first: the directory listings, no file opened."""
    found = []
    for sub in ("new", "cur"):
        try:
            entries = os.scandir(Path(maildir) / sub)
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                if not entry.name.startswith(".") and entry.is_file():
                    found.append((_arrival(entry.name.split(":", 1)[0]), Path(entry.path)))
    found.sort(key=lambda item: item[0], reverse=True)
    return [path for _order, path in found]


_heads_cache: dict[Path, tuple[tuple[int, int], CapturedHeads]] = {}
_cache_lock = threading.Lock()  # read_captured runs in threads (the screen's, the demo's)
_HEADER = re.compile(rb"^(To|Subject|Date):[ \t]*(.*(?:\r?\n[ \t].*)*)", re.I | re.M)
_INVITE_LINK = re.compile(rb"https?://[^\s<>\"]+/i/([A-Za-z0-9_-]+)")


def read_heads(path: Path) -> CapturedHeads | None:
    """One message's row: To, Subject and Date, and its link's token; None if it has gone.

    Kept by file name and modification time, so a dialog opened again reads nothing twice.
    """
    try:
        stat = os.stat(path)
        seen = (stat.st_mtime_ns, stat.st_size)
        cached = _heads_cache.get(path)
        if cached is not None and cached[0] == seen:
            return cached[1]
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    head = raw if end < 0 else raw[:end]
    values: dict[str, str] = {}
    for name, value in _HEADER.findall(head):
        values.setdefault(name.decode("ascii").lower(), _header_text(value))
    # Quoted-printable joins the link's soft line breaks; the plain text part comes first.
    body = raw if end < 0 else raw[end:]
    link = _INVITE_LINK.search(binascii.a2b_qp(body))
    heads = CapturedHeads(
        recipient=values.get("to", ""),
        subject=values.get("subject", ""), date=_utc(values.get("date", "")),
        token=link.group(1).decode("ascii") if link else None)
    with _cache_lock:
        _heads_cache[path] = (seen, heads)
    return heads


def read_heads_of(mails: list[CapturedMail]) -> list[CapturedMail]:
    """`mails` with their rows read, in their order, leaving out those gone meanwhile."""
    return [mail for mail in mails if mail.heads is not None]


def _heads_of(message: EmailMessage) -> CapturedHeads:
    """The row of a message already parsed."""
    part = message.get_body(preferencelist=("plain",))
    link = _INVITE_LINK.search(part.get_content().encode("utf-8")) if part is not None else None
    return CapturedHeads(recipient=str(message.get("To", "")),
                         subject=str(message.get("Subject", "")),
                         date=_utc(str(message.get("Date", ""))),
                         token=link.group(1).decode("ascii") if link else None)


def _header_text(value: bytes) -> str:
    """A header's value unfolded, RFC 2047 words decoded (UTF-8 allowed, RFC 6532)."""
    text = re.sub(r"\r?\n(?=[ \t])", "", value.decode("utf-8", "replace")).strip()
    if "=?" not in text:
        return text
    try:
        return str(make_header(decode_header(text)))
    except (ValueError, LookupError, binascii.Error):
        return text


def _utc(value: str) -> dt.datetime | None:
    """A Date header as naive UTC; None when missing or unreadable."""
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is not None:  # "-0000" (zone unknown) parses naive: taken as UTC
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when
