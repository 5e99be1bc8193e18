"""Invoices that cannot go through the network go by email, through the invitations' outbox:
the same delivery worker, retries, relay checks and bounces."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from store.models import Invoice, Outbox, OutboxTag

if TYPE_CHECKING:
    from store.invitations import DeliveryResult, Envelope
    from store.store import Store


class InvoiceMail:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def queue(self, invoice_id: int, envelope: Envelope, why_not_network: str) -> None:
        """Queue the invoice's message; the invoice is sent, and says why not by network."""
        now = self.store.clock()
        async with self.store.write():
            outbox_id = await self.store.execute(Outbox.insert(
                invoice=invoice_id, message_id=envelope.message_id,
                envelope_from=envelope.envelope_from, envelope_to=envelope.envelope_to,
                raw=envelope.raw, state="queued", next_attempt_at=now, created_at=now))
            await self.store.execute(OutboxTag.insert(return_tag=secrets.token_hex(8),
                                                      outbox=outbox_id))
            await self.store.execute(Invoice.update(
                status="sent", route="email", status_note=why_not_network, sent_at=now,
                updated_at=now, version=Invoice.version + 1).where(Invoice.id == invoice_id))

    async def record(self, results: list[DeliveryResult], now) -> None:
        """Inside the caller's transaction: what the relay said about invoices' messages."""
        from store.claims import backoff
        from store.invitations import FIRST_RETRY, MAX_BACKOFF

        for result in results:
            job = result.job
            if result.error is None:
                await self.store.execute(Outbox.update(
                    state="sent", sent_at=now, raw=None, claimed_until=None, last_error=None)
                    .where(Outbox.id == job.outbox_id))
            elif result.permanent:
                reason = result.error[:500]
                await self.store.execute(Outbox.update(
                    state="failed", raw=None, claimed_until=None, last_error=reason)
                    .where(Outbox.id == job.outbox_id))
                await self.store.execute(Invoice.update(
                    status_note="email_failed", updated_at=now)
                    .where(Invoice.id == job.invoice_id))
            else:
                delay = backoff(job.attempts, FIRST_RETRY, MAX_BACKOFF)
                await self.store.execute(Outbox.update(
                    state="queued", claimed_until=None, last_error=result.error[:500],
                    next_attempt_at=now + delay).where(Outbox.id == job.outbox_id))
