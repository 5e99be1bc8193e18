"""Turning what the invite dialog holds into the envelope the outbox keeps."""

from __future__ import annotations

from linkdesk.mail.compose import Invitation, compose, mail_date, new_message_id
from store.invitations import Envelope


def invitation_builder(
    *, firm_name: str, sender_address: str, recipient_name: str, recipient_address: str,
    subject: str, body: str, language: str, reply_to: str = "", portal: str = "",
    reminder: bool = False,
):
    """A builder for Invitations.invite: given the link, the composed message as bytes.

    Composing happens inside the store's transaction, before the invitation is written: a
    header that would inject (CR or LF) aborts everything and nothing is queued or sent.
    """

    def build(link: str) -> Envelope:
        message_id = new_message_id(sender_address)
        raw = compose(
            Invitation(
                sender_name=firm_name, sender_address=sender_address,
                recipient_name=recipient_name, recipient_address=recipient_address,
                subject=subject, body=body, link=link, language=language,
                reply_to=reply_to, portal=portal,
                stop_url=stop_link(link) if reminder else "",
            ),
            message_id,
            mail_date(),
        )
        return Envelope(message_id, sender_address, recipient_address, raw)

    return build


def stop_link(link: str) -> str:
    """The one-click "stop these reminders" address that goes with an invitation link
    (BASE/i/TOKEN gives BASE/u/TOKEN): the service answers it (linkdesk.web.accept)."""
    base, _sep, token = link.rpartition("/i/")
    return f"{base}/u/{token}"


def request_for(client: dict, tax_year: int, *, firm_name: str, preparer_name: str | None,
                sender_address: str, reminder: bool = False, reply_to: str = "",
                portal: str = ""):
    """An InviteRequest for `client` (as Clients.details gives it), in its own language."""
    from linkdesk.mail.templates import default_text, reminder_text
    from store.invitations import InviteRequest

    values = dict(firm_name=firm_name, tax_year=tax_year, client_name=client["greeting_name"],
                  preparer_name=preparer_name)
    subject, body = (reminder_text if reminder else default_text)(client["language"], **values)
    build = invitation_builder(
        firm_name=firm_name, sender_address=sender_address,
        recipient_name=client["display_name"] if client["kind"] == "organization"
        else client["greeting_name"],
        recipient_address=client["email"], subject=subject, body=body,
        language=client["language"], reply_to=reply_to, portal=portal, reminder=reminder)
    return InviteRequest(client["id"], tax_year, client["email"], client["language"], build)
