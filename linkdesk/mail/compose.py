"""Building the invitation email: text and HTML, safe headers, a Message-ID kept for resends."""

from __future__ import annotations

import binascii
import datetime as dt
import html
import secrets
from dataclasses import dataclass
from email.header import Header
from email.utils import format_datetime, formataddr, make_msgid

from linkdesk.i18n import N_, fill, translator
from linkdesk.mail.templates import INVITATION, in_language

LABEL = N_("{label}:")  # a label before what it names; French puts a no-break space first
PORTAL = N_("Once you have accepted, the client portal of {firm} is at:")
STOP = N_("To stop these reminders, open this link and confirm, or use your mail program's "
          "unsubscribe button:")


class HeaderInjectionError(ValueError):
    """A header value carried CR or LF: refused before anything is sent."""


@dataclass(frozen=True)
class Invitation:
    """Everything an invitation email says; every value is plain text typed by a person."""

    sender_name: str
    sender_address: str
    recipient_name: str
    recipient_address: str
    subject: str
    body: str
    link: str
    language: str = "en"
    reply_to: str = ""  # the firm's public email; empty: replies go to the sender address
    portal: str = ""  # the firm's client portal, where the client goes once accepted
    stop_url: str = ""  # a reminder's one-click "stop these reminders" (RFC 8058)


def _header(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"line break in the {what}")
    return value


def new_message_id(sender_address: str) -> str:
    """A unique Message-ID in the sender's domain; stored with the outbox row for resends."""
    domain = sender_address.rpartition("@")[2] or "linkdesk.invalid"
    return make_msgid(domain=domain)


def compose(invitation: Invitation, message_id: str, when) -> bytes:
    """The email for `invitation` as it goes on the wire: text and HTML alternatives, UTF-8.

    Written out directly rather than through `email.message.EmailMessage`: the stdlib
    generator takes about 1.5 ms a message, as long as sending it, and a bulk invitation of
    thousands of clients waits on it. The encodings are still the stdlib's (RFC 2047 words
    from `email.header`, quoted-printable from `binascii`), and the tests read every message
    back with the stdlib parser.
    """
    inv = invitation
    for value, what in (
        (inv.sender_name, "sender name"), (inv.sender_address, "sender address"),
        (inv.recipient_name, "recipient name"), (inv.recipient_address, "recipient address"),
        (inv.subject, "subject"), (inv.link, "link"), (message_id, "Message-ID"),
        (inv.reply_to, "reply address"), (inv.portal, "portal"), (inv.stop_url, "stop link"),
    ):
        _header(value, what)
    for url in (inv.link, inv.portal, inv.stop_url):
        if url and not url.startswith(("https://", "http://")):
            raise ValueError("a link must be an http(s) address")
    template = in_language(INVITATION, inv.language)
    lang = "fr-CA" if inv.language == "fr" else "en-CA"
    # QP output never holds "=_" (a literal "=" becomes "=3D"), so the boundary cannot clash.
    boundary = "=_linkdesk_" + secrets.token_hex(12)
    # Each link on a line of its own: mail readers make it clickable, copying takes it whole.
    text = f"{inv.body}\n\n{_label(inv.language, template.button)}\n{inv.link}\n\n"
    for line, url in _more_links(inv):
        text += f"{line}\n{url}\n\n"
    text += f"{template.ignore_note}\n"
    head = (
        f"From: {_address(inv.sender_name, inv.sender_address)}\r\n"
        f"Reply-To: {_address(inv.sender_name, inv.reply_to or inv.sender_address, 'Reply-To')}"
        "\r\n"
        f"To: {_address(inv.recipient_name, inv.recipient_address, 'To')}\r\n"
        f"Subject: {_words(inv.subject, 'Subject')}\r\n"
        f"Date: {format_datetime(when)}\r\n"
        f"Message-ID: {message_id}\r\n"
        + (_reminder_headers(inv.stop_url) if inv.stop_url else "")
        + "MIME-Version: 1.0\r\n"
        f"Content-Language: {lang}\r\n"
        "Content-Type: multipart/alternative;\r\n"
        f' boundary="{boundary}"\r\n'
        "\r\n"
    )
    return b"".join((
        head.encode("utf-8"),
        _part(boundary, "plain", text),
        _part(boundary, "html", _html(inv, template)),
        f"--{boundary}--\r\n".encode("ascii"),
    ))


def _label(language: str, label: str) -> str:
    """`label` followed by a colon as the language writes it ("Ouvrir une session\u00a0:")."""
    return translator(language).gettext(LABEL).format(label=label)


def _more_links(inv: Invitation) -> list[tuple[str, str]]:
    """The lines after the invitation's own link: the firm's portal, how to stop reminders."""
    gettext = translator(inv.language).gettext
    links = []
    if inv.portal:
        links.append((fill(gettext(PORTAL), firm=display_name(inv.sender_name)), inv.portal))
    if inv.stop_url:
        links.append((gettext(STOP), inv.stop_url))
    return links


def _reminder_headers(stop_url: str) -> str:
    """A reminder is sent by a machine (RFC 3834: no auto-reply to it) and can be stopped in
    one click from the mail program (RFC 2369's List-Unsubscribe, RFC 8058's POST)."""
    unsubscribe = f"List-Unsubscribe: <{stop_url}>"
    if len(unsubscribe) > FOLD_AT:
        unsubscribe = f"List-Unsubscribe:\r\n <{stop_url}>"
    return ("Auto-Submitted: auto-generated\r\n"
            f"{unsubscribe}\r\n"
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")


def mail_date(when: dt.datetime | None = None) -> dt.datetime:
    """When a message is written, as an aware time in the firm's zone (the zone of the machine
    that sends for the firm): a Date header says "-0500", never "-0000" (zone unknown). A
    naive `when` is the store's clock, UTC."""
    if when is None:
        return dt.datetime.now().astimezone()
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone()


def _words(value: str, name: str) -> str:
    """A header value as RFC 2047 encoded words when it is not plain ASCII, folded."""
    if value.isascii() and len(value) < 900:
        return Header(value, "us-ascii", header_name=name).encode(linesep="\r\n")
    return Header(value, "utf-8", header_name=name).encode(linesep="\r\n")


MAX_DISPLAY_NAME = 120  # characters of a firm's or client's name kept in From and To
FOLD_AT = 78  # RFC 5322's recommended line length; 998 is the hard limit


def display_name(name: str) -> str:
    """A name short enough for a header line: cut at a word near the limit, with an ellipsis."""
    name = " ".join(name.split())
    if len(name) <= MAX_DISPLAY_NAME:
        return name
    cut = name[:MAX_DISPLAY_NAME - 1]
    if " " in cut[MAX_DISPLAY_NAME // 2:]:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def _address(name: str, address: str, header: str = "From") -> str:
    """`Name <address>` with the name limited, quoted or encoded, and folded when long.

    An address with non-ASCII characters (RFC 6531) is written as UTF-8, as RFC 6532 allows;
    the sender then asks the relay for SMTPUTF8.
    """
    name = display_name(name)
    if address.isascii():
        plain = formataddr((name, address), charset="utf-8")
        if len(header) + 2 + len(plain) <= FOLD_AT:
            return plain
    if not name:
        return address if address.isascii() else f"<{address}>"
    # Encoded words fold into lines of at most 76 characters (RFC 2047).
    display = Header(name, "utf-8", header_name=header).encode(linesep="\r\n")
    return f"{display}\r\n <{address}>"


def _part(boundary: str, subtype: str, content: str) -> bytes:
    """One alternative, quoted-printable with CRLF line ends."""
    # Every line end, a lone CR included, becomes CRLF (RFC 5322 allows no other).
    body = content.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n").encode("utf-8")
    encoded = binascii.b2a_qp(body, istext=True)
    if not encoded.endswith(b"\r\n"):
        encoded += b"\r\n"
    return (
        f"--{boundary}\r\n"
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + encoded


def _html(inv: Invitation, template) -> str:
    """The HTML part: every value escaped, paragraphs from the plain text, one button."""
    paragraphs = "".join(
        "<p>" + html.escape(block).replace("\n", "<br>") + "</p>\n"
        for block in inv.body.split("\n\n") if block.strip()
    )
    link = html.escape(inv.link, quote=True)
    lang = "fr-CA" if inv.language == "fr" else "en-CA"
    return (
        f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(inv.subject)}</title></head>\n"
        '<body style="font-family: sans-serif; line-height: 1.5">\n'
        f"{paragraphs}"
        f'<p><a href="{link}" style="display:inline-block;padding:10px 18px;'
        f'background:#0b5cad;color:#fff;text-decoration:none;border-radius:4px">'
        f"{html.escape(template.button)}</a></p>\n"
        + "".join(f'<p>{html.escape(line)}<br><a href="{html.escape(url, quote=True)}">'
                  f"{html.escape(url)}</a></p>\n" for line, url in _more_links(inv))
        + f'<p style="color:#666;font-size:smaller">{html.escape(template.ignore_note)}</p>\n'
        "</body></html>\n"
    )
