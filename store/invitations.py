"""Invitations and their outbox: queued in one transaction, delivered by a worker, accepted once.

A token (256 bits from `secrets`) is put in the link and only its SHA-256 is kept with the
invitation. The composed message, which holds the link, waits in the outbox while it is unsent
and is wiped once the relay has accepted it or refused it for good.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from store.clients import (
    ACCEPTED,
    CANCELLABLE,
    EXPIRED,
    FAILED,
    INVITABLE,
    NOT_INVITED,
    PENDING,
    REINVITABLE,
    SENDING,
)
from store.models import Client, ClientYearStatus, Firm, Invitation, Outbox

if TYPE_CHECKING:
    from store.store import Store

DEFAULT_TTL = dt.timedelta(days=30)
LEASE = dt.timedelta(minutes=5)  # a claimed message not reported by then is sent again
MAX_BACKOFF = dt.timedelta(minutes=30)


class InviteError(ValueError):
    """The client cannot be invited now; `code` says why ("inactive", "not_invitable", ...)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Envelope:
    """The composed message and who it goes from and to, as the outbox keeps it."""

    message_id: str
    envelope_from: str
    envelope_to: str
    raw: bytes


# Given the link and the client's details, build the message to queue.
MessageBuilder = Callable[[str], Envelope]


@dataclass(frozen=True)
class OutboxJob:
    """A message claimed for sending."""

    outbox_id: int
    invitation_id: int
    message_id: str
    envelope_from: str
    envelope_to: str
    raw: bytes
    attempts: int


@dataclass(frozen=True)
class LinkView:
    """What the acceptance page may show for a token: nothing beyond the two names."""

    state: str  # "open", "accepted", "used", "expired", "cancelled" or "unknown"
    firm_name: str = ""
    client_name: str = ""
    language: str = "en"


class Invitations:
    """Queueing, delivering and accepting invitations."""

    def __init__(self, store: Store, ttl: dt.timedelta = DEFAULT_TTL) -> None:
        self.store = store
        self.ttl = ttl

    async def _set_status(self, client_id: int, tax_year: int, status: str) -> None:
        now = self.store.clock()
        await self.store.execute(
            ClientYearStatus.insert(
                client=client_id, tax_year=tax_year, status=status, updated_at=now
            ).on_conflict(
                conflict_target=[ClientYearStatus.client, ClientYearStatus.tax_year],
                update={ClientYearStatus.status: status, ClientYearStatus.updated_at: now},
            )
        )

    async def _status(self, client_id: int, tax_year: int) -> str:
        value = await self.store.scalar(
            ClientYearStatus.select(ClientYearStatus.status).where(
                (ClientYearStatus.client == client_id) & (ClientYearStatus.tax_year == tax_year)
            )
        )
        return value or NOT_INVITED

    async def invite(
        self,
        client_id: int,
        tax_year: int,
        preparer_id: int | None,
        link_base: str,
        recipient: str,
        language: str,
        build: MessageBuilder,
        *,
        reinvite: bool = False,
    ) -> int:
        """Queue an invitation and its message in one transaction; return the invitation id.

        Nothing is sent here: the delivery worker sends what the outbox holds. With `reinvite`,
        a pending, failed or expired invitation is replaced: its link stops working.
        """
        token = secrets.token_urlsafe(32)
        link = f"{link_base.rstrip('/')}/i/{token}"
        envelope = build(link)
        now = self.store.clock()
        async with self.store.write():
            # Lock the client first: a second invite of the same client waits here, then sees
            # this one's status (SQLite's BEGIN IMMEDIATE already serialises writers).
            client_query = Client.select(Client.active).where(Client.id == client_id)
            if not self.store.target.is_sqlite:
                client_query = client_query.for_update()
            active = await self.store.scalar(client_query)
            if active is None:
                raise InviteError("unknown_client")
            if not active:
                raise InviteError("inactive")
            allowed = REINVITABLE if reinvite else INVITABLE
            if await self._status(client_id, tax_year) not in allowed:
                raise InviteError("not_invitable")
            # An expired invitation is still "pending" underneath: retire it, killing its link.
            await self._end_live(client_id, tax_year, "replaced", now)
            invitation_id = await self.store.execute(Invitation.insert(
                client=client_id, tax_year=tax_year, token_hash=hash_token(token),
                state=SENDING, recipient=recipient, language=language,
                created_by=preparer_id, created_at=now, expires_at=now + self.ttl,
            ))
            await self.store.execute(Outbox.insert(
                invitation=invitation_id, message_id=envelope.message_id,
                envelope_from=envelope.envelope_from, envelope_to=envelope.envelope_to,
                raw=envelope.raw, state="queued", next_attempt_at=now, created_at=now,
            ))
            await self._set_status(client_id, tax_year, SENDING)
            await self.store.clients.log(
                client_id, preparer_id, "invitation_resent" if reinvite else "invitation_queued",
                {"tax_year": tax_year, "recipient": recipient,
                 "message_id": envelope.message_id},
            )
        return invitation_id

    async def _end_live(self, client_id: int, tax_year: int | None, state: str, now) -> int:
        """End the client's live invitations (one year, or all): links die, unsent mail too."""
        where = (Invitation.client == client_id) & Invitation.state.in_((SENDING, PENDING))
        if tax_year is not None:
            where &= Invitation.tax_year == tax_year
        live = [i for (i,) in await self.store.list(Invitation.select(Invitation.id)
                                                     .where(where).tuples())]
        if not live:
            return 0
        await self.store.execute(
            Invitation.update(state=state, ended_at=now).where(Invitation.id.in_(live)))
        await self.store.execute(
            Outbox.update(state="failed", raw=None, last_error=f"invitation {state}")
            .where((Outbox.invitation.in_(live)) & (Outbox.state == "queued")))
        return len(live)

    async def _withdraw_all(self, client_id: int, now) -> None:
        """Cancel every invitation under way for the client, whatever the year: Not invited."""
        years = [y for (y,) in await self.store.list(
            Invitation.select(Invitation.tax_year).distinct().where(
                (Invitation.client == client_id)
                & Invitation.state.in_((SENDING, PENDING))).tuples())]
        await self._end_live(client_id, None, "cancelled", now)
        for year in years:
            await self._set_status(client_id, year, NOT_INVITED)

    async def cancel(self, client_id: int, tax_year: int, preparer_id: int | None) -> None:
        """Cancel the invitation under way: the client is Not invited again, the link is dead."""
        now = self.store.clock()
        async with self.store.write():
            if await self._status(client_id, tax_year) not in CANCELLABLE:
                raise InviteError("not_cancellable")
            await self._end_live(client_id, tax_year, "cancelled", now)
            await self._set_status(client_id, tax_year, NOT_INVITED)
            await self.store.clients.log(client_id, preparer_id, "invitation_cancelled",
                                         {"tax_year": tax_year})

    async def set_active(self, client_id: int, active: bool, preparer_id: int | None) -> None:
        """Make a client inactive (its invitations under way end) or active again."""
        now = self.store.clock()
        async with self.store.write():
            await self.store.execute(
                Client.update(active=active, updated_at=now).where(Client.id == client_id))
            if not active:
                await self._withdraw_all(client_id, now)
            await self.store.clients.log(
                client_id, preparer_id, "client_activated" if active else "client_deactivated",
                {})

    async def change_email(self, client_id: int, email: str, preparer_id: int | None) -> None:
        """Give the client a new address; its history stays, links sent to the old one die."""
        from store.clients import search_key
        from store.validate import CleanClient, email_key, parse_email

        new = parse_email(email)
        now = self.store.clock()
        async with self.store.write():
            (row,) = await self.store.list(
                Client.select(Client.kind, Client.first_name, Client.last_name,
                              Client.organization_name, Client.email, Client.phone,
                              Client.language).where(Client.id == client_id).tuples())
            kind, first, last, organization, old, phone, language = row
            clean = CleanClient(kind, new, first or "", last or "", organization or "", phone,
                                language)
            await self.store.execute(Client.update(
                email=new, email_key=email_key(new), search_key=search_key(clean),
                updated_at=now).where(Client.id == client_id))
            await self._withdraw_all(client_id, now)
            await self.store.clients.log(client_id, preparer_id, "email_changed",
                                         {"from": old, "to": new})
        self.store.clients.forget_searches()

    async def claim(self) -> OutboxJob | None:
        """Take the next message due for sending, leased to this worker for a while.

        On PostgreSQL two workers never take the same row (FOR UPDATE SKIP LOCKED); SQLite
        serialises writers (BEGIN IMMEDIATE).
        """
        now = self.store.clock()
        due = (
            Outbox.select(Outbox.id)
            .where(
                ((Outbox.state == "queued") & (Outbox.next_attempt_at <= now))
                | ((Outbox.state == "sending") & (Outbox.claimed_until <= now))
            )
            .order_by(Outbox.next_attempt_at, Outbox.id)
            .limit(1)
        )
        if not self.store.target.is_sqlite:
            due = due.for_update("FOR UPDATE SKIP LOCKED")
        async with self.store.write():
            rows = await self.store.list(due.tuples())
            if not rows:
                return None
            outbox_id = rows[0][0]
            await self.store.execute(
                Outbox.update(state="sending", claimed_until=now + LEASE,
                              attempts=Outbox.attempts + 1)
                .where(Outbox.id == outbox_id)
            )
            (job,) = await self.store.list(
                Outbox.select(Outbox.id, Outbox.invitation, Outbox.message_id,
                              Outbox.envelope_from, Outbox.envelope_to, Outbox.raw,
                              Outbox.attempts)
                .where(Outbox.id == outbox_id).tuples()
            )
        outbox_id, invitation_id, message_id, env_from, env_to, raw, attempts = job
        return OutboxJob(outbox_id, invitation_id, message_id, env_from, env_to, bytes(raw),
                         attempts)

    async def next_due(self) -> dt.datetime | None:
        """When the next queued message is due (None: nothing waiting)."""
        return await self.store.scalar(
            Outbox.select(fn.MIN(Outbox.next_attempt_at)).where(Outbox.state == "queued")
        )

    async def _invitation(self, invitation_id: int) -> tuple[int, int, str]:
        (row,) = await self.store.list(
            Invitation.select(Invitation.client, Invitation.tax_year, Invitation.state)
            .where(Invitation.id == invitation_id).tuples()
        )
        return row

    async def delivered(self, job: OutboxJob, answer: str) -> None:
        """The relay accepted the message: the invitation is pending; the message is wiped."""
        now = self.store.clock()
        async with self.store.write():
            await self.store.execute(
                Outbox.update(state="sent", sent_at=now, raw=None, claimed_until=None,
                              last_error=None).where(Outbox.id == job.outbox_id)
            )
            client_id, tax_year, state = await self._invitation(job.invitation_id)
            if state == SENDING:
                await self.store.execute(
                    Invitation.update(state=PENDING, sent_at=now)
                    .where(Invitation.id == job.invitation_id)
                )
                await self._set_status(client_id, tax_year, PENDING)
            await self.store.clients.log(client_id, None, "invitation_sent", {
                "tax_year": tax_year, "message_id": job.message_id, "relay": answer[:200],
            })

    async def failed(self, job: OutboxJob, reason: str, *, permanent: bool) -> None:
        """The relay refused (permanent) or could not be reached (retried with backoff)."""
        now = self.store.clock()
        reason = reason[:500]
        async with self.store.write():
            client_id, tax_year, state = await self._invitation(job.invitation_id)
            if permanent:
                await self.store.execute(
                    Outbox.update(state="failed", raw=None, claimed_until=None,
                                  last_error=reason).where(Outbox.id == job.outbox_id)
                )
                if state == SENDING:
                    await self.store.execute(
                        Invitation.update(state=FAILED, ended_at=now, failure=reason)
                        .where(Invitation.id == job.invitation_id)
                    )
                    await self._set_status(client_id, tax_year, FAILED)
                kind = "invitation_failed"
            else:
                delay = min(dt.timedelta(seconds=5 * 2 ** (job.attempts - 1)), MAX_BACKOFF)
                await self.store.execute(
                    Outbox.update(state="queued", claimed_until=None, last_error=reason,
                                  next_attempt_at=now + delay).where(Outbox.id == job.outbox_id)
                )
                kind = "delivery_deferred"
            await self.store.clients.log(client_id, None, kind, {
                "tax_year": tax_year, "message_id": job.message_id, "reason": reason,
            })

    async def view(self, token: str) -> LinkView:
        """What the link's page may show; changes nothing (mail scanners open links)."""
        now = self.store.clock()
        rows = await self.store.list(
            Invitation.select(Invitation.state, Invitation.expires_at, Client.kind,
                              Client.first_name, Client.last_name, Client.organization_name,
                              Firm.name, Invitation.language)
            .join(Client, on=(Invitation.client == Client.id))
            .join(Firm, on=(Client.firm == Firm.id))
            .where(Invitation.token_hash == hash_token(token)).tuples()
        )
        if not rows:
            return LinkView("unknown")
        state, expires_at, kind, first, last, organization, firm_name, language = rows[0]
        client_name = organization if kind == "organization" else f"{first} {last}"
        if state == ACCEPTED:
            shown = "accepted"
        elif state in (SENDING, PENDING):
            shown = "open" if expires_at > now else "expired"
        else:
            shown = "cancelled"
        return LinkView(shown, firm_name, client_name, language)

    async def accept(self, token: str) -> LinkView:
        """Accept through the link: once only, before expiry; the client becomes active."""
        now = self.store.clock()
        token_hash = hash_token(token)
        accepted_now = False
        async with self.store.write():
            rows = await self.store.list(
                Invitation.select(Invitation.id, Invitation.client, Invitation.tax_year)
                .where((Invitation.token_hash == token_hash)
                       & (Invitation.state.in_((SENDING, PENDING)))
                       & (Invitation.expires_at > now)).tuples()
            )
            if rows:
                invitation_id, client_id, tax_year = rows[0]
                changed = await self.store.execute(
                    Invitation.update(state=ACCEPTED, ended_at=now)
                    .where((Invitation.id == invitation_id)
                           & (Invitation.state.in_((SENDING, PENDING))))
                )
                accepted_now = bool(changed)
                if accepted_now:
                    await self.store.execute(
                        Client.update(active=True, updated_at=now).where(Client.id == client_id)
                    )
                    await self._set_status(client_id, tax_year, ACCEPTED)
                    await self.store.clients.log(client_id, None, "invitation_accepted",
                                                 {"tax_year": tax_year})
        view = await self.view(token)
        if view.state == "accepted" and not accepted_now:
            return LinkView("used", view.firm_name, view.client_name, view.language)
        return view

    async def expire(self) -> int:
        """Mark pending invitations past their date as expired in the list; return how many."""
        now = self.store.clock()
        async with self.store.write():
            rows = await self.store.list(
                Invitation.select(Invitation.client, Invitation.tax_year)
                .where((Invitation.state == PENDING) & (Invitation.expires_at <= now)).tuples()
            )
            for client_id, tax_year in rows:
                if await self._status(client_id, tax_year) == PENDING:
                    await self._set_status(client_id, tax_year, EXPIRED)
        return len(rows)
