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
from linkdesk.i18n import BABEL_LOCALES, N_, fill, translator
from linkdesk.mail.compose import LABEL, display_name, mail_date, new_message_id
from store.documents import Document
from store.invitations import Envelope

SUBJECT = N_("Invoice {number} from {seller}")
ISSUED = N_("Issued: {date}")
DUE = N_("Due: {date}")
TOTAL = N_("Total: {total} {currency}")


def summary_lines(document: Document, language: str = "en") -> list[str]:
    """The invoice in a few lines, in `language` (the customer's), dates and amounts as that
    language writes them."""
    from babel.dates import format_date
    from babel.numbers import format_decimal

    gettext = translator(language).gettext
    locale = BABEL_LOCALES.get(language, "en_CA")

    def day(iso: str) -> str:
        import datetime as dt

        try:
            return format_date(dt.date.fromisoformat(iso), "long", locale=locale)
        except ValueError:
            return iso

    def amount(value) -> str:
        return format_decimal(value, format="#,##0.00", locale=locale)

    lines = [gettext(SUBJECT).format(number=document.number, seller=document.seller.name),
             gettext(ISSUED).format(date=day(document.issue_date))]
    if document.due_date:
        lines.append(gettext(DUE).format(date=day(document.due_date)))
    for line in document.lines:
        label = gettext(LABEL).format(label=line.description)
        lines.append(f"  {label} {format_decimal(line.quantity, locale=locale)} x "
                     f"{amount(line.unit_price)} = {amount(line.net)}")
    lines.append(gettext(TOTAL).format(total=amount(document.total),
                                       currency=document.currency))
    if document.notes:
        lines += ["", document.notes]
    return lines


def compose_invoice(document: Document, sender_address: str, when, language: str = "en"
                    ) -> Envelope:
    """The message for `document` in `language` (the customer's); every value in it is plain
    text (escaped in the HTML). It comes from the seller by name, and a reply goes to the
    seller's public email when it has one; `when` (the store's clock) is written in the zone
    of the machine that sends."""
    message = EmailMessage()
    message_id = new_message_id(sender_address)
    seller = display_name(document.seller.name)
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(mail_date(when))
    message["From"] = formataddr((seller, sender_address))
    message["Reply-To"] = formataddr((seller, document.seller.email or sender_address))
    message["To"] = formataddr((display_name(document.buyer.name), document.buyer.email))
    message["Subject"] = fill(translator(language).gettext(SUBJECT),
                              number=document.number, seller=document.seller.name)
    content_language = "fr-CA" if language == "fr" else "en-CA"
    text = summary_lines(document, language)
    message.set_content("\n".join(text))
    message.add_alternative(
        f'<html lang="{content_language}"><body>'
        + "".join(f"<p>{html.escape(line)}</p>" for line in text) + "</body></html>",
        subtype="html")
    try:
        attachment = to_ubl(document)
    except CannotExport:
        attachment = None
    if attachment is not None:
        message.add_attachment(attachment, maintype="application", subtype="xml",
                               filename=f"invoice-{_safe(document.number)}.xml")
    message["Content-Language"] = content_language  # after the parts: set_content drops it
    return Envelope(message_id, sender_address, document.buyer.email, message.as_bytes())


async def invoice_mailer(store, invoice_id: int, sender_address: str):
    """What `Invoices.send` calls to compose the email of `invoice_id`: in its customer's
    language (the customer's own, else its company's)."""
    view = await store.invoices.get(invoice_id)
    language = await store.network.contact_language(view.customer_id)

    def mail(document: Document, _why: str) -> Envelope:
        return compose_invoice(document, sender_address, store.clock(), language)

    return mail


def _safe(number: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in number)[:40]
