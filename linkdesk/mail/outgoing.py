"""Turning what the invite dialog holds into the envelope the outbox keeps."""

from __future__ import annotations

import datetime as dt

from linkdesk.mail.compose import Invitation, compose, new_message_id
from store.invitations import Envelope


def invitation_builder(
    *, firm_name: str, sender_address: str, recipient_name: str, recipient_address: str,
    subject: str, body: str, language: str,
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
            ),
            message_id,
            dt.datetime.now(dt.UTC),
        )
        return Envelope(message_id, sender_address, recipient_address, raw)

    return build


def request_for(client: dict, tax_year: int, *, firm_name: str, preparer_name: str,
                sender_address: str, reminder: bool = False):
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
        language=client["language"])
    return InviteRequest(client["id"], tax_year, client["email"], client["language"], build)
