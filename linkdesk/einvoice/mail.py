"""An invoice by email, when the network cannot carry it: a text and an HTML summary, and the
UBL file attached, so the customer's own system can read it. The file is attached only when it
passes the official rules (ubl_write.to_ubl): when a party lacks what they need (a Peppol
participant identifier, most often), the email goes with the summary alone, never with an
invalid file; `ubl_write.to_ubl` names what is missing, for the screen that asks before sending."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from linkdesk.einvoice.ubl_write import CannotExport, to_ubl
from linkdesk.i18n import _
from linkdesk.mail.compose import new_message_id
from store.documents import Document
from store.invitations import Envelope


def summary_lines(document: Document) -> list[str]:
    lines = [_("Invoice {number} from {seller}").format(number=document.number,
                                                        seller=document.seller.name),
             _("Issued: {date}").format(date=document.issue_date)]
    if document.due_date:
        lines.append(_("Due: {date}").format(date=document.due_date))
    for line in document.lines:
        lines.append(f"  {line.description}: {line.quantity} x {line.unit_price} = {line.net}")
    lines.append(_("Total: {total} {currency}").format(total=document.total,
                                                      currency=document.currency))
    if document.notes:
        lines += ["", document.notes]
    return lines


def compose_invoice(document: Document, sender_address: str, when) -> Envelope:
    """The message for `document`; every value in it is plain text (escaped in the HTML)."""
    message = EmailMessage()
    message_id = new_message_id(sender_address)
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(when)
    message["From"] = formataddr((document.seller.name, sender_address))
    message["To"] = formataddr((document.buyer.name, document.buyer.email))
    message["Subject"] = _("Invoice {number} from {seller}").format(
        number=document.number, seller=document.seller.name)
    text = summary_lines(document)
    message.set_content("\n".join(text))
    message.add_alternative("<html><body>" + "".join(
        f"<p>{html.escape(line)}</p>" for line in text) + "</body></html>", subtype="html")
    try:
        attachment = to_ubl(document)
    except CannotExport:
        attachment = None
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="xml",
                               filename=f"invoice-{_safe(document.number)}.xml")
    return Envelope(message_id, sender_address, document.buyer.email, message.as_bytes())


def _safe(number: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number)[:40]
