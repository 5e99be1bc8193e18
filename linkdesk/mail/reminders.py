"""Sending the reminders that are due: a fresh link in the client's language, once per round."""

from __future__ import annotations

from collections import defaultdict

from linkdesk.mail.outgoing import request_for


async def send_due_reminders(store, sender_address: str, link_base: str, portal: str = "") -> int:
    """Queue a reminder for every invitation whose reminder is due; return how many.

    Nothing happens while the firm has reminders off. Each reminder adds a link to the
    pending invitation (the first one keeps working), counts one more reminder, and is an
    event in the client's history. Whether a reminder is still due is decided again in the
    transaction that queues it: any number of processes may sweep at once.
    """
    firm_id = await store.firm_id()
    if firm_id is None:
        return 0
    settings = await store.reminders.settings(firm_id)
    due = await store.reminders.due(firm_id)
    if not due:
        return 0
    firm_name = await store.firm_name(firm_id)
    reply_to = await store.network.firm_email(firm_id)
    by_year: dict[int, list[int]] = defaultdict(list)
    for row in due:
        by_year[row.tax_year].append(row.client_id)
    queued = 0
    for year, client_ids in by_year.items():
        clients = await store.clients.many_details(client_ids)
        outcome = await store.invitations.remind_many(
            [request_for(c, year, firm_name=firm_name, preparer_name=None,
                         sender_address=sender_address, reminder=True, reply_to=reply_to,
                         portal=portal) for c in clients],
            link_base, days=settings.days, most=settings.most)
        queued += len(outcome.invited)
    return queued
