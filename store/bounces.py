"""What a delivery report does to an invitation: a failure after the relay said yes marks it
"Delivery failed" with the remote server's words; a delay is an event; a report about an
invitation that already ended (replaced, cancelled, accepted, expired) is history only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import Case

from store.batching import chunked
from store.clients import FAILED, PENDING, SENDING
from store.models import Invitation, Outbox, OutboxTag

if TYPE_CHECKING:
    from store.store import Store

FAILED_ACTION, DELAYED_ACTION = "failed", "delayed"

# What each report did, for the intake's log and the tests.
MARKED_FAILED = "marked_failed"
DELAY_NOTED = "delay_noted"
HISTORY_ONLY = "history_only"
ALREADY_KNOWN = "already_known"
UNKNOWN = "unknown"
IGNORED = "ignored"


@dataclass(frozen=True)
class Report:
    """One recipient's part of a delivery status notification (RFC 3464), for one message."""

    return_tag: str | None
    """From the Return-Path the report was sent back to: which message it is about (None: an
    address that is not one of ours)."""
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # 5.1.1, 4.4.1 ...
    diagnostic: str = ""  # the remote server's words
    remote_mta: str = ""


class Bounces:
    """Delivery reports against the outbox and the invitations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def record(self, reports: list[Report]) -> list[str]:
        """Apply each report in one transaction; what each did, in order."""
        if not reports:
            return []
        now = self.store.clock()
        outcomes: list[str] = []
        async with self.store.write():
            found: dict[str, tuple] = {}
            for chunk in chunked(sorted({r.return_tag for r in reports})):
                rows = await self.store.list(
                    OutboxTag.select(OutboxTag.return_tag, Outbox.message_id, Invitation.id,
                                     Invitation.client, Invitation.tax_year, Invitation.state)
                    .join(Outbox, on=(OutboxTag.outbox == Outbox.id))
                    .join(Invitation, on=(Outbox.invitation == Invitation.id))
                    .where(OutboxTag.return_tag.in_(chunk)).tuples())
                found.update((row[0], row[1:]) for row in rows)
            failed_now: dict[int, tuple[int, int, str]] = {}
            events = []
            for report in reports:
                if report.return_tag not in found:
                    outcomes.append(UNKNOWN)
                    continue
                message_id, invitation_id, client_id, tax_year, state = found[report.return_tag]
                detail = {"tax_year": tax_year, "message_id": message_id,
                          "status": report.status, "reason": report.diagnostic[:500],
                          "remote": report.remote_mta[:200]}
                if report.action == FAILED_ACTION:
                    if state in (SENDING, PENDING) and invitation_id not in failed_now:
                        failed_now[invitation_id] = (client_id, tax_year,
                                                     report.diagnostic or report.status)
                        events.append((client_id, None, "invitation_bounced", detail))
                        outcomes.append(MARKED_FAILED)
                    elif state == FAILED or invitation_id in failed_now:
                        outcomes.append(ALREADY_KNOWN)  # the same bounce again, or a second
                    else:
                        events.append((client_id, None, "bounce_after_end",
                                       {**detail, "invitation": state}))
                        outcomes.append(HISTORY_ONLY)
                elif report.action == DELAYED_ACTION:
                    events.append((client_id, None, "delivery_delayed", detail))
                    outcomes.append(DELAY_NOTED)
                else:
                    outcomes.append(IGNORED)  # delivered, relayed, expanded: nothing to say
            for chunk in chunked(list(failed_now.items())):
                # One statement for the whole group: each invitation with its own words.
                words = Case(Invitation.id, [(invitation_id, reason[:500])
                                             for invitation_id, (_c, _y, reason) in chunk])
                await self.store.execute(
                    Invitation.update(state=FAILED, ended_at=now, failure=words)
                    .where(Invitation.id.in_([invitation_id for invitation_id, _ in chunk])
                           & Invitation.state.in_((SENDING, PENDING))))
            await self.store.invitations.set_statuses(
                [(client, year) for client, year, _reason in failed_now.values()], FAILED, now)
            if events:
                await self.store.clients.log_many(events)
        return outcomes
