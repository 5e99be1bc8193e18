"""The built-in mail capture: a local SMTP server (aiosmtpd) that keeps mail in a Maildir.

With no relay configured, invitations go here, so a fresh install works end to end; the app's
"Sent mail" screen reads them back.
"""

from __future__ import annotations

import asyncio
import email
import mailbox
import os
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import Envelope, Session


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
        data = envelope.original_content or envelope.content
        await asyncio.to_thread(_store, self.maildir, data)
        return "250 Message captured"


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


@dataclass(frozen=True)
class CapturedMail:
    """One captured message, as the Sent mail screen lists it."""

    key: str
    message: EmailMessage

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
    """Every captured message, oldest first."""
    if not Path(maildir).exists():
        return []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    found = []
    for key in box.keys():
        with box.get_file(key) as handle:
            message = email.message_from_binary_file(handle, policy=default_policy)
        found.append((_arrival(key), key, message))
    found.sort(key=lambda item: item[0])
    return [CapturedMail(key, message) for _arrival_order, key, message in found]


def _arrival(key: str) -> tuple:
    """Order of arrival from a Maildir key ("<secs>.M<micro>P<pid>Q<n>.<host>").

    The microseconds are not zero-padded, so the keys do not sort as strings.
    """
    match = re.match(r"(\d+)\.M(\d+)P\d+Q(\d+)", key)
    if match is None:
        return (float("inf"), 0, 0, key)
    return (*(int(group) for group in match.groups()), key)
