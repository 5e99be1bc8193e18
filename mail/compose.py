"""Building the invitation email: text and HTML, safe headers, a Message-ID kept for resends."""

from __future__ import annotations

import html
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from mail.templates import TEMPLATES


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


def _header(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjectionError(f"line break in the {what}")
    return value


def new_message_id(sender_address: str) -> str:
    """A unique Message-ID in the sender's domain; stored with the outbox row for resends."""
    domain = sender_address.rpartition("@")[2] or "linkdesk.invalid"
    return make_msgid(domain=domain)


def compose(invitation: Invitation, message_id: str, when) -> EmailMessage:
    """The email for `invitation`: plain text and HTML alternatives, UTF-8 throughout."""
    inv = invitation
    for value, what in (
        (inv.sender_name, "sender name"), (inv.sender_address, "sender address"),
        (inv.recipient_name, "recipient name"), (inv.recipient_address, "recipient address"),
        (inv.subject, "subject"), (inv.link, "link"), (message_id, "Message-ID"),
    ):
        _header(value, what)
    if not inv.link.startswith(("https://", "http://")):
        raise ValueError("the link must be an http(s) address")
    template = TEMPLATES.get(inv.language, TEMPLATES["en"])
    message = EmailMessage()
    message["From"] = Address(inv.sender_name, addr_spec=inv.sender_address)
    message["To"] = Address(inv.recipient_name, addr_spec=inv.recipient_address)
    message["Subject"] = inv.subject
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(when)
    text = f"{inv.body}\n\n{template.button}: {inv.link}\n\n{template.ignore_note}\n"
    message.set_content(text, charset="utf-8")
    message.add_alternative(_html(inv, template), subtype="html", charset="utf-8")
    # After the body: set_content() drops Content-* headers set before it.
    message["Content-Language"] = "fr-CA" if inv.language == "fr" else "en-CA"
    return message


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
        f'<p style="color:#666;font-size:smaller">{html.escape(template.ignore_note)}</p>\n'
        "</body></html>\n"
    )
