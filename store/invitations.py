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
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from peewee import JOIN, Tuple, fn

from store.batching import chunked
from store.claims import backoff, claim_due
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
from store.hooks import INVITATION_ACCEPTED, INVITATION_FAILED
from store.models import (
    Client,
    ClientYearStatus,
    Firm,
    Invitation,
    InvitationLink,
    Outbox,
    OutboxTag,
)
from store.versions import ChangedMeanwhile

if TYPE_CHECKING:
    from store.store import Store

DEFAULT_TTL = dt.timedelta(days=30)
LEASE = dt.timedelta(minutes=5)  # a claimed message not reported by then is sent again
FIRST_RETRY, MAX_BACKOFF = dt.timedelta(seconds=5), dt.timedelta(minutes=30)
TAKEN_BACK = "taken back"  # an outbox message's last_error: its bulk run was stopped before it went


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
    invitation_id: int | None  # None: an invoice's message (invoice_id)
    message_id: str
    envelope_from: str
    envelope_to: str
    raw: bytes
    attempts: int
    return_tag: str | None = None  # for the Return-Path (VERP): how its bounce finds it
    invoice_id: int | None = None
    client_id: int | None = None  # the invitation's (None: an invoice's message)
    tax_year: int | None = None


@dataclass(frozen=True)
class InviteRequest:
    """One client to invite: the tax year, the address, the language, the message builder."""

    client_id: int
    tax_year: int
    recipient: str
    language: str
    build: MessageBuilder


@dataclass(frozen=True)
class InviteOutcome:
    """What invite_many did: invitation id per client queued, reason per client left out."""

    invited: dict[int, int]
    refused: dict[int, str]


@dataclass(frozen=True)
class RunCounts:
    """Where the messages a bulk run queued stand (each invitation's first message)."""

    sent: int = 0  # accepted by the relay
    failed: int = 0  # refused by the relay for good, or withdrawn by someone else
    taken_back: int = 0  # never handed to the relay: the run was stopped
    waiting: int = 0  # queued, or in the relay's hands right now


@dataclass(frozen=True)
class DeliveryResult:
    """What the relay said about one claimed message: its answer, or an error."""

    job: OutboxJob
    answer: str | None = None
    error: str | None = None
    permanent: bool = False


@dataclass(frozen=True)
class Listing:
    """An Organization client in the business network, as the page tells it: accepting opens
    its books here, a visible member with the client's name, email and phone (see
    Network.open_books_for); `joins` until then, listed after while it stays visible."""

    joins: bool
    email: str
    has_phone: bool
    region: str  # two-letter country code: the members who can find it


@dataclass(frozen=True)
class LinkView:
    """What the acceptance page may show for a token: nothing beyond the two names, and what
    the client's acceptance publishes (an organization's listing in the network)."""

    state: str  # "open", "accepted", "used", "expired", "cancelled" or "unknown"
    firm_name: str = ""
    client_name: str = ""
    language: str = "en"
    # How the client reaches the firm: its own books' public email and phone, else the
    # address the invitation came from.
    firm_email: str = ""
    firm_phone: str = ""
    accepted_at: dt.datetime | None = None  # the store's clock (UTC), once accepted
    listing: Listing | None = None  # None: an individual, or a member taken off the network


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
        outcome = await self.invite_many(
            [InviteRequest(client_id, tax_year, recipient, language, build)],
            preparer_id, link_base, reinvite=reinvite)
        if client_id in outcome.refused:
            raise InviteError(outcome.refused[client_id])
        return outcome.invited[client_id]

    async def invite_many(
        self,
        requests: list[InviteRequest],
        preparer_id: int | None,
        link_base: str,
        *,
        reinvite: bool = False,
        bulk_run: int | None = None,
    ) -> InviteOutcome:
        """Queue invitations for many clients in one transaction, each with its own token.

        Each invitation keeps the client's status before it, the live invitation it replaced
        and its bulk run (`bulk_run`): take_back can put the client back as it was.

        A client who cannot be invited now is left out and said why (`refused`); the others
        are queued together, or none is if anything fails. Messages are composed before the
        transaction, so the write lock is held for the statements only.
        """
        requests = list({r.client_id: r for r in requests}.values())  # each client once
        tokens = {r.client_id: secrets.token_urlsafe(32) for r in requests}
        base = link_base.rstrip("/")
        envelopes = {r.client_id: r.build(f"{base}/i/{tokens[r.client_id]}") for r in requests}
        allowed_states = REINVITABLE if reinvite else INVITABLE
        outcome = InviteOutcome({}, {})
        now = self.store.clock()
        async with self.store.write():
            active = await self._lock_clients(sorted(tokens))
            statuses = await self._statuses([(r.client_id, r.tax_year) for r in requests])
            chosen = []
            for request in requests:
                if request.client_id not in active:
                    outcome.refused[request.client_id] = "unknown_client"
                elif not active[request.client_id]:
                    outcome.refused[request.client_id] = "inactive"
                elif statuses.get((request.client_id, request.tax_year),
                                  NOT_INVITED) not in allowed_states:
                    outcome.refused[request.client_id] = "not_invitable"
                else:
                    chosen.append(request)
            if not chosen:
                return outcome
            # An expired invitation is still "pending" underneath: retire it, killing its link.
            ended = await self._end_live_pairs([(r.client_id, r.tax_year) for r in chosen],
                                               "replaced", now)
            for chunk in chunked(chosen):
                await self.store.insert_rows(Invitation, [dict(
                    client=r.client_id, tax_year=r.tax_year,
                    token_hash=hash_token(tokens[r.client_id]), state=SENDING,
                    recipient=r.recipient, language=r.language, created_by=preparer_id,
                    created_at=now, expires_at=now + self.ttl, bulk_run=bulk_run,
                    previous_status=statuses.get((r.client_id, r.tax_year), NOT_INVITED),
                    replaced=ended.get((r.client_id, r.tax_year))) for r in chunk])
                by_hash = dict(await self.store.list(
                    Invitation.select(Invitation.token_hash, Invitation.id).where(
                        Invitation.token_hash.in_([hash_token(tokens[r.client_id])
                                                   for r in chunk])).tuples()))
                for r in chunk:
                    outcome.invited[r.client_id] = by_hash[hash_token(tokens[r.client_id])]
                await self._add_links_and_messages(chunk, outcome.invited, tokens, envelopes,
                                                   now)
            await self.set_statuses([(r.client_id, r.tax_year) for r in chosen], SENDING, now)
            kind = "invitation_resent" if reinvite else "invitation_queued"
            await self.store.clients.log_many([
                (r.client_id, preparer_id, kind,
                 {"tax_year": r.tax_year, "recipient": r.recipient,
                  "message_id": envelopes[r.client_id].message_id}) for r in chosen])
        return outcome

    async def _add_links_and_messages(self, chunk: list[InviteRequest],
                                      invitation_of: dict[int, int], tokens: dict[int, str],
                                      envelopes: dict[int, Envelope], now) -> None:
        """Each client's link on its invitation, and its message queued in the outbox."""
        await self.store.insert_rows(InvitationLink, [dict(
            token_hash=hash_token(tokens[r.client_id]), invitation=invitation_of[r.client_id],
            created_at=now) for r in chunk])
        queued = await self.store.insert_rows(Outbox, [dict(
            invitation=invitation_of[r.client_id], message_id=envelopes[r.client_id].message_id,
            envelope_from=envelopes[r.client_id].envelope_from,
            envelope_to=envelopes[r.client_id].envelope_to, raw=envelopes[r.client_id].raw,
            state="queued", next_attempt_at=now, created_at=now) for r in chunk],
            returning=("id",))
        await self.store.insert_rows(OutboxTag, [
            dict(return_tag=secrets.token_hex(8), outbox=outbox_id) for (outbox_id,) in queued])

    async def _lock_clients(self, ids: list[int]) -> dict[int, bool]:
        """Whether each client is active, locking the clients in id order first: a second
        invite or reminder of the same client waits here, then sees what this one did
        (SQLite's BEGIN IMMEDIATE already serialises)."""
        active: dict[int, bool] = {}
        for chunk in chunked(ids):
            query = Client.select(Client.id, Client.active).where(Client.id.in_(chunk))
            if not self.store.target.is_sqlite:
                query = query.order_by(Client.id).for_update()
            active.update(await self.store.list(query.tuples()))
        return active

    async def remind_many(self, requests: list[InviteRequest], link_base: str, *, days: int,
                          most: int) -> InviteOutcome:
        """Queue a reminder for each request whose invitation is due one, in one transaction.

        Whether it is due is decided here, under the clients' locks: pending, not expired,
        fewer than `most` reminders, and the link or the last reminder sent at least `days`
        days ago. So however many processes sweep at once, each reminder is queued once. A
        reminder adds a link to the same invitation: the first link keeps working until one
        of them is used, the invitation expires, or it is cancelled or re-sent; the invitation
        lasts `ttl` from the reminder. `invited` maps each client reminded to its invitation.
        """
        requests = list({r.client_id: r for r in requests}.values())
        tokens = {r.client_id: secrets.token_urlsafe(32) for r in requests}
        outcome = InviteOutcome({}, {})
        if not requests:
            return outcome
        now = self.store.clock()
        due_before = now - dt.timedelta(days=days)
        async with self.store.write():
            active = await self._lock_clients(sorted(tokens))
            by_year: dict[int, list[int]] = {}
            for r in requests:
                by_year.setdefault(r.tax_year, []).append(r.client_id)
            due: dict[tuple[int, int], int] = {}
            for year, clients in by_year.items():
                for chunk in chunked(clients):
                    rows = await self.store.list(
                        Invitation.select(Invitation.client, Invitation.id)
                        .join(ClientYearStatus, on=(
                            (ClientYearStatus.client == Invitation.client)
                            & (ClientYearStatus.tax_year == Invitation.tax_year)))
                        .switch(Invitation).join(Client, on=(Client.id == Invitation.client))
                        .where(Invitation.client.in_(chunk) & (Invitation.tax_year == year)
                               & Client.reminders_stopped_at.is_null()
                               & (Invitation.state == PENDING)
                               & (ClientYearStatus.status == PENDING)
                               & (Invitation.expires_at > now)
                               & (Invitation.reminders < most)
                               & (fn.COALESCE(Invitation.reminded_at, Invitation.sent_at)
                                  <= due_before)).tuples())
                    due.update(((client, year), invitation) for client, invitation in rows)
            chosen = []
            for r in requests:
                if not active.get(r.client_id):
                    outcome.refused[r.client_id] = "inactive"
                elif (r.client_id, r.tax_year) not in due:
                    outcome.refused[r.client_id] = "not_due"
                else:
                    outcome.invited[r.client_id] = due[(r.client_id, r.tax_year)]
                    chosen.append(r)
            if not chosen:
                return outcome
            base_links = {}
            for r in chosen:  # composed under the lock: only those that are really due
                base_links[r.client_id] = r.build(
                    f"{link_base.rstrip('/')}/i/{tokens[r.client_id]}")
            for chunk in chunked(chosen):
                ids = [outcome.invited[r.client_id] for r in chunk]
                await self.store.execute(Invitation.update(
                    reminders=Invitation.reminders + 1, reminded_at=now,
                    expires_at=now + self.ttl).where(Invitation.id.in_(ids)))
                await self._add_links_and_messages(chunk, outcome.invited, tokens, base_links,
                                                   now)
            await self.store.clients.log_many([
                (r.client_id, None, "invitation_reminded",
                 {"tax_year": r.tax_year, "recipient": r.recipient,
                  "message_id": base_links[r.client_id].message_id}) for r in chosen])
        return outcome

    async def _statuses(self, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The stored status of each (client, tax year); a pair not stored is Not invited."""
        found: dict[tuple[int, int], str] = {}
        for year in {year for _client, year in pairs}:
            clients = [client for client, y in pairs if y == year]
            for chunk in chunked(clients):
                rows = await self.store.list(
                    ClientYearStatus.select(ClientYearStatus.client, ClientYearStatus.status)
                    .where(ClientYearStatus.client.in_(chunk)
                           & (ClientYearStatus.tax_year == year)).tuples())
                found.update(((client, year), status) for client, status in rows)
        return found

    async def set_statuses(self, pairs: list[tuple[int, int]], status: str, now) -> None:
        """The status of each (client, tax year), inside the caller's transaction."""
        await self.store.execute_all(self.status_statements(pairs, status, now))

    def status_statements(self, pairs: list[tuple[int, int]], status: str, now
                          ) -> list[tuple[str, list]]:
        """The statements of `set_statuses`, for `Store.execute_all`."""
        return self.store.insert_statements(
            ClientYearStatus,
            [dict(client=client, tax_year=year, status=status, updated_at=now)
             for client, year in pairs],
            upsert=(("client", "tax_year"), ("status", "updated_at")))

    async def _end_live_pairs(self, pairs: list[tuple[int, int]], state: str,
                              now) -> dict[tuple[int, int], int]:
        """End the live invitations of each (client, tax year): links die, unsent mail too.
        Returns the invitation ended for each pair that had one."""
        live: dict[tuple[int, int], int] = {}
        for year in {year for _client, year in pairs}:
            clients = [client for client, y in pairs if y == year]
            for chunk in chunked(clients):
                live.update(((client, year), i) for i, client in await self.store.list(
                    Invitation.select(Invitation.id, Invitation.client).where(
                        Invitation.client.in_(chunk) & (Invitation.tax_year == year)
                        & Invitation.state.in_((SENDING, PENDING))).tuples()))
        await self._end_invitations(list(live.values()), state, now)
        return live

    async def take_back(self, bulk_run: int, preparer_id: int | None) -> dict[int, str]:
        """The run's messages not handed to the relay are taken back, in one transaction:
        the message is wiped unsent, its invitation cancelled, the invitation it replaced
        live again, and the client has the status it had before, with an event saying so.
        Returns the status each client taken back has again.

        The outbox row decides: only a row still "queued" is taken, by the same UPDATE that
        changes it. A claim takes a row by moving it to "sending" under its lock (PostgreSQL:
        FOR UPDATE SKIP LOCKED; SQLite: BEGIN IMMEDIATE serialises writers): a row claimed
        first is not "queued" when this UPDATE reaches it (PostgreSQL re-reads the row once
        the claim commits), and a row taken here first is "failed" for every claim after.
        A message the relay deferred is "queued" again and is taken back too.
        """
        now = self.store.clock()
        async with self.store.write():
            mine = await self.store.list(
                Invitation.select(Invitation.id, Invitation.client, Invitation.tax_year,
                                  Invitation.previous_status, Invitation.replaced)
                .where((Invitation.bulk_run == bulk_run) & (Invitation.state == SENDING))
                .tuples())
            if not mine:
                return {}
            # The clients' locks, in id order, as invite_many and remind_many take them.
            await self._lock_clients(sorted({client for _i, client, *_rest in mine}))
            taken: dict[int, str] = {}  # invitation id: its message's Message-ID
            for chunk in chunked([row[0] for row in mine]):
                taken.update(await self.store.list(
                    Outbox.update(state="failed", raw=None, claimed_until=None, claimed_by=None,
                                  last_error=TAKEN_BACK)
                    .where(Outbox.invitation.in_(chunk) & (Outbox.state == "queued"))
                    .returning(Outbox.invitation, Outbox.message_id).tuples()))
            rows = [row for row in mine if row[0] in taken]
            for chunk in chunked([row[0] for row in rows]):
                await self.store.execute(
                    Invitation.update(state="cancelled", ended_at=now, failure=TAKEN_BACK)
                    .where(Invitation.id.in_(chunk) & (Invitation.state == SENDING)))
            # After the ones above: at most one live invitation per client and year.
            revived = [row[4] for row in rows if row[4] is not None]
            for chunk in chunked(revived):
                await self.store.execute(
                    Invitation.update(state=PENDING, ended_at=None)
                    .where(Invitation.id.in_(chunk) & (Invitation.state == "replaced")))
            restored: dict[int, str] = {}
            for status in {row[3] or NOT_INVITED for row in rows}:
                pairs = [(client, year) for _i, client, year, previous, _r in rows
                         if (previous or NOT_INVITED) == status]
                await self.set_statuses(pairs, status, now)
                restored.update(dict.fromkeys((client for client, _y in pairs), status))
            await self.store.clients.log_many([
                (client, preparer_id, "invitation_taken_back",
                 {"tax_year": year, "message_id": taken[i], "status": previous or NOT_INVITED,
                  "bulk_run": bulk_run})
                for i, client, year, previous, _r in rows])
        return restored

    async def run_counts(self, bulk_run: int) -> RunCounts:
        """Where the run's messages stand: sent, failed, taken back, still waiting."""
        first = (Outbox.select(fn.MIN(Outbox.id))
                 .join(Invitation, on=(Outbox.invitation == Invitation.id))
                 .where(Invitation.bulk_run == bulk_run).group_by(Outbox.invitation))
        rows = await self.store.list(
            Outbox.select(Outbox.state, Outbox.last_error, fn.COUNT(Outbox.id))
            .where(Outbox.id.in_(first))
            .group_by(Outbox.state, Outbox.last_error).tuples())
        counts = {"sent": 0, "failed": 0, "taken_back": 0, "waiting": 0}
        for state, error, n in rows:
            key = ("taken_back" if error == TAKEN_BACK else "failed") if state == "failed" else \
                "sent" if state == "sent" else "waiting"
            counts[key] += n
        return RunCounts(**counts)

    async def _end_invitations(self, live: list[int], state: str, now) -> None:
        for chunk in chunked(live):
            await self.store.execute(
                Invitation.update(state=state, ended_at=now).where(Invitation.id.in_(chunk)))
            await self.store.execute(
                Outbox.update(state="failed", raw=None, last_error=f"invitation {state}")
                .where((Outbox.invitation.in_(chunk)) & (Outbox.state == "queued")))

    async def _end_live(self, client_id: int, tax_year: int | None, state: str, now) -> int:
        """End the client's live invitations (one year, or all): links die, unsent mail too."""
        where = (Invitation.client == client_id) & Invitation.state.in_((SENDING, PENDING))
        if tax_year is not None:
            where &= Invitation.tax_year == tax_year
        live = [i for (i,) in await self.store.list(Invitation.select(Invitation.id)
                                                     .where(where).tuples())]
        await self._end_invitations(live, state, now)
        return len(live)

    async def _withdraw_all(self, client_id: int, now) -> list[int]:
        """Cancel every invitation under way for the client, whatever the year: Not invited.
        Returns the tax years whose invitation was withdrawn."""
        years = [y for (y,) in await self.store.list(
            Invitation.select(Invitation.tax_year).distinct().where(
                (Invitation.client == client_id)
                & Invitation.state.in_((SENDING, PENDING))).tuples())]
        await self._end_live(client_id, None, "cancelled", now)
        for year in years:
            await self._set_status(client_id, year, NOT_INVITED)
        return sorted(years)

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
                Client.update(active=active, version=Client.version + 1, updated_at=now)
                .where(Client.id == client_id))
            if not active:
                await self._withdraw_all(client_id, now)
            await self.store.clients.log(
                client_id, preparer_id, "client_activated" if active else "client_deactivated",
                {})

    async def change_email(self, client_id: int, email: str, preparer_id: int | None,
                           version: int | None = None) -> None:
        """Give the client a new address; its history stays, links sent to the old one die.

        With `version` (the client's, as read), a change made to the client since raises
        ChangedMeanwhile with the address it has now and who changed it; nothing is saved.
        """
        from store.clients import search_key
        from store.validate import CleanClient, email_key, parse_email

        new = parse_email(email)
        now = self.store.clock()
        async with self.store.write():
            (row,) = await self.store.list(
                Client.select(Client.kind, Client.first_name, Client.last_name,
                              Client.organization_name, Client.email, Client.phone,
                              Client.language, Client.version)
                .where(Client.id == client_id).tuples())
            kind, first, last, organization, old, phone, language, current = row
            if version is not None and version != current:
                by = await self.store.clients.last_changed_by(client_id)
                raise ChangedMeanwhile(old, current, await self.store.accounts.name(by))
            clean = CleanClient(kind, new, first or "", last or "", organization or "", phone,
                                language)
            await self.store.execute(Client.update(
                email=new, email_key=email_key(new), search_key=search_key(clean),
                version=Client.version + 1, updated_at=now).where(Client.id == client_id))
            withdrawn = await self._withdraw_all(client_id, now)
            detail = {"from": old, "to": new}
            if withdrawn:  # the history says the invitation went with the old address
                detail["withdrawn_years"] = withdrawn
            await self.store.clients.log(client_id, preparer_id, "email_changed", detail)
        self.store.clients.forget_searches()

    async def claim(self) -> OutboxJob | None:
        """Take the next message due for sending (see claim_many)."""
        jobs = await self.claim_many(1)
        return jobs[0] if jobs else None

    async def claim_many(self, limit: int, by: int | None = None,
                         lease: dt.timedelta = LEASE) -> list[OutboxJob]:
        """Take up to `limit` messages due for sending, for process `by` (its heartbeat id),
        for at most `lease` (the longest the claimer may take to report them; never shorter
        than LEASE).

        A message claimed by a process whose heartbeat stopped is taken over at once; one
        claimed by nobody known comes back when its lease ends (store.claims.claim_due, as
        the webhooks); one whose invitation was withdrawn meanwhile is wiped unsent.
        """
        async def read(ids: list[int]) -> list[OutboxJob]:
            rows = await self.store.list(
                Outbox.select(Outbox.id, Outbox.invitation, Outbox.message_id,
                              Outbox.envelope_from, Outbox.envelope_to, Outbox.raw,
                              Outbox.attempts, OutboxTag.return_tag, Outbox.invoice,
                              Invitation.client, Invitation.tax_year)
                .join(OutboxTag, JOIN.LEFT_OUTER, on=(OutboxTag.outbox == Outbox.id))
                .join_from(Outbox, Invitation, JOIN.LEFT_OUTER,
                           on=(Outbox.invitation == Invitation.id))
                .where(Outbox.id.in_(ids))
                .order_by(Outbox.next_attempt_at, Outbox.id).tuples())
            return [OutboxJob(outbox_id, invitation_id, message_id, env_from, env_to,
                              bytes(raw), attempts, tag, invoice_id, client_id, tax_year)
                    for (outbox_id, invitation_id, message_id, env_from, env_to, raw, attempts,
                         tag, invoice_id, client_id, tax_year) in rows]

        return await claim_due(self.store, Outbox, limit, by=by, lease=max(lease, LEASE),
                               read=read, keep=self._drop_withdrawn)

    async def unclaim(self, outbox_ids: list[int]) -> None:
        """Messages claimed and not sent because the relay itself could not be used: queued
        again as they were, due now, the attempt not counted, nothing in any history."""
        for chunk in chunked(outbox_ids):
            await self.store.execute(
                Outbox.update(state="queued", claimed_until=None, claimed_by=None,
                              attempts=Outbox.attempts - 1)  # a claim counted one
                .where(Outbox.id.in_(chunk) & (Outbox.state == "sending")))

    async def _drop_withdrawn(self, ids: list[int]) -> list[int]:
        """The messages of `ids` whose invitation is still live; the others are wiped unsent.

        A message claimed before a crash comes back after its lease; meanwhile its invitation
        may have been cancelled, re-sent or moved to another address: it must not go out.
        """
        rows = await self.store.list(
            Outbox.select(Outbox.id, Invitation.state)
            .join(Invitation, on=(Outbox.invitation == Invitation.id))
            .where(Outbox.id.in_(ids)).tuples())
        dead = {outbox_id: state for outbox_id, state in rows if state not in (SENDING, PENDING)}
        for state in set(dead.values()):
            await self.store.execute(
                Outbox.update(state="failed", raw=None, claimed_until=None,
                              last_error=f"invitation {state}")
                .where(Outbox.id.in_([i for i, st in dead.items() if st == state])))
        return [i for i in ids if i not in dead]

    async def next_due(self) -> dt.datetime | None:
        """When the next queued message is due (None: nothing waiting)."""
        return await self.store.scalar(
            Outbox.select(fn.MIN(Outbox.next_attempt_at)).where(Outbox.state == "queued")
        )

    async def delivered(self, job: OutboxJob, answer: str) -> None:
        """The relay accepted the message: the invitation is pending; the message is wiped."""
        await self.record([DeliveryResult(job, answer=answer)])

    async def failed(self, job: OutboxJob, reason: str, *, permanent: bool) -> None:
        """The relay refused (permanent) or could not be reached (retried with backoff)."""
        await self.record([DeliveryResult(job, error=reason, permanent=permanent)])

    async def record(self, results: list[DeliveryResult]) -> None:
        """Record what the relay said for each message, all in one transaction.

        Accepted: the invitation is pending and the message is wiped. Refused for good: the
        invitation failed, with the relay's reason. Not reachable: tried again later, waiting
        5 s, 10 s, 20 s ... up to 30 minutes. Each result is an event in the client's history.
        """
        if not results:
            return
        now = self.store.clock()
        invoices = [r for r in results if r.job.invitation_id is None]
        results = [r for r in results if r.job.invitation_id is not None]
        sent = [r for r in results if r.error is None]
        statements = self._sent_statements(sent, now)
        if len(sent) == len(results) and not invoices:  # the usual case: one trip on SQLite
            await self.store.write_all(statements)
            return
        async with self.store.write():
            await self.store.invoice_mail.record(invoices, now)
            # Keyed by invitation id (results without one were set apart above).
            invitations: dict[int | None, tuple[int, int, str]] = {}
            failed = [r for r in results if r.error is not None]
            for chunk in chunked([r.job.invitation_id for r in failed]):
                rows = await self.store.list(
                    Invitation.select(Invitation.id, Invitation.client, Invitation.tax_year,
                                      Invitation.state)
                    .where(Invitation.id.in_(chunk)).tuples())
                invitations.update((i, (client, year, state)) for i, client, year, state in rows)
            failures = [await self._record_failure(result, invitations[result.job.invitation_id],
                                                   now)
                        for result in failed]
            await self.store.execute_all(statements
                                         + self.store.clients.log_statements(failures))

    def _sent_statements(self, sent: list[DeliveryResult], now) -> list[tuple[str, list]]:
        """What recording messages the relay accepted writes, none of it read back, so that it
        goes in one trip (Store.write_all): the outbox rows wiped, the invitations still
        sending made pending (their status first, while their state still says so), and an
        event each. Written here, not by peewee: rendering these three took 0.5 ms of CPU a
        record of 8, most of what a record cost. Only the models' own names are put in the
        text; values are bound."""
        p = self.store.db.param
        outbox, (o_id, o_state, o_sent, o_raw, o_claimed, o_error) = self.store.names(
            Outbox, "id", "state", "sent_at", "raw", "claimed_until", "last_error")
        invitation, (i_id, i_client, i_year, i_state, i_sent) = self.store.names(
            Invitation, "id", "client", "tax_year", "state", "sent_at")
        status, (s_client, s_year, s_status, s_updated) = self.store.names(
            ClientYearStatus, "client", "tax_year", "status", "updated_at")
        at = Outbox.sent_at.db_value(now)
        stamp = p if self.store.target.is_sqlite else f"CAST({p} AS TIMESTAMP)"
        statements: list[tuple[str, list]] = []
        for chunk in chunked(sent):
            marks = ", ".join([p] * len(chunk))
            statements.append((
                f"UPDATE {outbox} SET {o_state} = {p}, {o_sent} = {p}, {o_raw} = NULL, "  # noqa: S608
                f"{o_claimed} = NULL, {o_error} = NULL WHERE {o_id} IN ({marks})",
                ["sent", at, *[r.job.outbox_id for r in chunk]]))
            ids = [r.job.invitation_id for r in chunk]
            sending = f"{i_id} IN ({marks}) AND {i_state} = {p}"
            statements.append((
                f"INSERT INTO {status} ({s_client}, {s_year}, {s_status}, {s_updated}) "  # noqa: S608
                f"SELECT {i_client}, {i_year}, {p}, {stamp} FROM {invitation} WHERE {sending} "
                f"ON CONFLICT ({s_client}, {s_year}) DO UPDATE SET "
                f"{s_status} = excluded.{s_status}, {s_updated} = excluded.{s_updated}",
                [PENDING, at, *ids, SENDING]))
            statements.append((
                f"UPDATE {invitation} SET {i_state} = {p}, {i_sent} = {p} "  # noqa: S608
                f"WHERE {sending}", [PENDING, at, *ids, SENDING]))
        events: list[tuple[int, int | None, str, dict]] = []
        for r in sent:
            assert r.job.client_id is not None  # an invitation's message: claimed with it
            events.append((r.job.client_id, None, "invitation_sent", {
                "tax_year": r.job.tax_year, "message_id": r.job.message_id,
                "relay": (r.answer or "")[:200]}))
        return statements + self.store.clients.log_statements(events)

    async def _record_failure(self, result: DeliveryResult, invitation, now) -> tuple:
        job, reason = result.job, (result.error or "")[:500]
        client_id, tax_year, state = invitation
        if result.permanent:
            await self.store.execute(
                Outbox.update(state="failed", raw=None, claimed_until=None,
                              last_error=reason).where(Outbox.id == job.outbox_id))
            if state == SENDING:
                await self.store.execute(
                    Invitation.update(state=FAILED, ended_at=now, failure=reason)
                    .where(Invitation.id == job.invitation_id))
                await self._set_status(client_id, tax_year, FAILED)
                await self.store.hooks.invitations(INVITATION_FAILED, [(
                    client_id, tax_year, {"cause": "refused", "reason": reason})])
            kind = "invitation_failed"
        else:
            delay = backoff(job.attempts, FIRST_RETRY, MAX_BACKOFF)
            await self.store.execute(
                Outbox.update(state="queued", claimed_until=None, last_error=reason,
                              next_attempt_at=now + delay).where(Outbox.id == job.outbox_id))
            kind = "delivery_deferred"
        return (client_id, None, kind,
                {"tax_year": tax_year, "message_id": job.message_id, "reason": reason})

    async def view(self, token: str) -> LinkView:
        """What the link's page may show; changes nothing (mail scanners open links)."""
        now = self.store.clock()
        rows = await self.store.list(
            Invitation.select(Invitation.id, Invitation.state, Invitation.expires_at,
                              Client.kind, Client.first_name, Client.last_name,
                              Client.organization_name, Firm.id, Firm.name,
                              Invitation.language, Invitation.ended_at, Client.id)
            .join(Client, on=(Invitation.client == Client.id))
            .join(Firm, on=(Client.firm == Firm.id))
            .join(InvitationLink, on=(InvitationLink.invitation == Invitation.id))
            .where(InvitationLink.token_hash == hash_token(token)).tuples()
        )
        if not rows:
            return LinkView("unknown")
        (invitation_id, state, expires_at, kind, first, last, organization, firm_id,
         firm_name, language, ended_at, client_id) = rows[0]
        client_name = organization if kind == "organization" else f"{first} {last}"
        if state == ACCEPTED:
            shown = "accepted"
        elif state in (SENDING, PENDING):
            shown = "open" if expires_at > now else "expired"
        else:
            shown = "cancelled"
        email, phone = await self._firm_contact(firm_id, invitation_id)
        listing = await self._listing(client_id) if kind == "organization" else None
        return LinkView(shown, firm_name, client_name, language, email, phone,
                        ended_at if state == ACCEPTED else None, listing)

    async def _listing(self, client_id: int) -> Listing | None:
        """What the network shows of an Organization client: its books' details when it has
        books (None once taken off the network), else what accepting will publish."""
        from store.models import Company

        books = await self.store.list(
            Company.select(Company.email, Company.phone, Company.region, Company.visible)
            .where(Company.client == client_id).limit(1).tuples())
        if books:
            email, phone, region, visible = books[0]
            return Listing(False, email, bool(phone), region) if visible else None
        ((email, phone),) = await self.store.list(
            Client.select(Client.email, Client.phone).where(Client.id == client_id).tuples())
        return Listing(True, email or "", bool(phone), self.store.network.region)

    async def _firm_contact(self, firm_id: int, invitation_id: int) -> tuple[str, str]:
        """The firm's public email and phone (its own books' details), the email falling
        back to the address its invitation was sent from when that one receives mail."""
        from store.models import Company
        from store.validate import receives_mail

        contact = await self.store.list(
            Company.select(Company.email, Company.phone)
            .where((Company.kind == "firm") & (Company.firm == firm_id)).limit(1).tuples())
        email, phone = contact[0] if contact else ("", "")
        if not email:
            email = await self.store.scalar(
                Outbox.select(Outbox.envelope_from).where(Outbox.invitation == invitation_id)
                .order_by(Outbox.id.desc()).limit(1)) or ""
            if not receives_mail(email):
                email = ""
        return email or "", phone or ""

    async def accept(self, token: str) -> LinkView:
        """Accept through the link: once only, before expiry; the client becomes active."""
        accepted_now = bool(await self.accept_many([token]))
        view = await self.view(token)
        if view.state == "accepted" and not accepted_now:
            return replace(view, state="used")
        return view

    async def accept_many(self, tokens: list[str]) -> int:
        """Accept each link as `accept` does, all in one transaction (the demo's history of
        44 acceptances took 580 statements one by one); returns how many were accepted now."""
        now = self.store.clock()
        accepted: list[tuple[int, int, int]] = []
        async with self.store.write():
            for chunk in chunked([hash_token(token) for token in tokens]):
                query = (
                    Invitation.select(Invitation.id, Invitation.client, Invitation.tax_year)
                    .join(InvitationLink, on=(InvitationLink.invitation == Invitation.id))
                    .where(InvitationLink.token_hash.in_(chunk)
                           & (Invitation.state.in_((SENDING, PENDING)))
                           & (Invitation.expires_at > now)))
                if not self.store.target.is_sqlite:
                    # A second Confirm of the same link waits here, then finds it accepted
                    # (SQLite's BEGIN IMMEDIATE already serialises).
                    query = query.for_update()
                accepted += await self.store.list(query.tuples())
            accepted = list({row[0]: row for row in accepted}.values())  # two links, one
            if not accepted:
                return 0
            for chunk in chunked(accepted):
                await self.store.execute(
                    Invitation.update(state=ACCEPTED, ended_at=now)
                    .where(Invitation.id.in_([invitation for invitation, _c, _y in chunk])
                           & (Invitation.state.in_((SENDING, PENDING)))))
                await self.store.execute(
                    Client.update(active=True, updated_at=now)
                    .where(Client.id.in_([client for _i, client, _y in chunk])))
            await self.set_statuses([(client, year) for _i, client, year in accepted],
                                    ACCEPTED, now)
            for _invitation, client, _year in accepted:
                # An Organization now keeps its books here: it joins the network.
                await self.store.network.open_books_for(client)
            await self.store.clients.log_many([
                (client, None, "invitation_accepted", {"tax_year": year})
                for _invitation, client, year in accepted])
            await self.store.hooks.invitations(INVITATION_ACCEPTED, [
                (client, year, {}) for _invitation, client, year in accepted])
        return len(accepted)

    async def expire(self) -> int:
        """Mark pending invitations past their date as expired in the list; return how many."""
        now = self.store.clock()
        async with self.store.write():
            rows = await self.store.list(
                Invitation.select(Invitation.client, Invitation.tax_year)
                .where((Invitation.state == PENDING) & (Invitation.expires_at <= now)).tuples()
            )
            pair = Tuple(ClientYearStatus.client, ClientYearStatus.tax_year)
            for chunk in chunked(rows):  # one statement a chunk, not two a row
                await self.store.execute(
                    ClientYearStatus.update(status=EXPIRED, updated_at=now)
                    .where(pair.in_(chunk) & (ClientYearStatus.status == PENDING)))
        return len(rows)
