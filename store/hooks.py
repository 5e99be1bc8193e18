"""Webhook events: written in the transaction of the change they tell, handed out to the
process that delivers them, kept until their receiver answered 2xx (at least once).

Same model as the mail outbox: a claim is leased to a process with a heartbeat; a process
that dies (kill -9) has its claims taken over as soon as its heartbeat stops. An event's id
and body never change between tries, so a receiver can drop one it has already seen.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from store.batching import chunked
from store.claims import backoff, claim_due
from store.models import Client, Company, HookEvent

if TYPE_CHECKING:
    from store.store import Store

INVITATION_ACCEPTED = "invitation.accepted"
INVITATION_FAILED = "invitation.failed"  # refused by the relay for good, or bounced
BILL_APPROVED, BILL_REJECTED, BILL_PAID = "bill.approved", "bill.rejected", "bill.paid"
TEST = "hook.test"  # `linkdesk hooks test`: sent at once, never queued
KINDS = (INVITATION_ACCEPTED, INVITATION_FAILED, BILL_APPROVED, BILL_REJECTED, BILL_PAID)
LEASE = dt.timedelta(minutes=2)  # a claimed event not reported by then is sent again
FIRST_RETRY, MAX_BACKOFF = dt.timedelta(seconds=5), dt.timedelta(hours=1)
KEEP_SENT = dt.timedelta(days=7)  # delivered events are kept this long, then deleted
# A receiver that refuses an event (a 3xx or 4xx but 408 Request Timeout, 425 Too Early and
# 429 Too Many Requests) will not take it by being asked again: refused REFUSALS times in a
# row (about 20 minutes from a first try: room for a deploy or a secret being changed) it is
# failed, kept with the answer, and shown by `linkdesk status` until `linkdesk hooks retry`
# queues it again. 5xx, timeouts and a dead port are tried for as long as it takes (at least
# once), and start the count of refusals again.
REFUSALS = 8
TRY_AGAIN = frozenset({408, 425, 429})


def refused(status: int | None) -> bool:
    """Whether an HTTP answer is the receiver saying no (see REFUSALS)."""
    return status is not None and 300 <= status < 500 and status not in TRY_AGAIN


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def event_body(event_id: str, kind: str, at: dt.datetime, data: dict) -> str:
    """The JSON sent for an event: its id, type, when (ISO 8601 with its zone) and data."""
    when = at.replace(tzinfo=dt.UTC).isoformat(timespec="milliseconds")
    return json.dumps({"id": event_id, "type": kind, "created": when, "data": data},
                      ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class HookJob:
    """An event claimed for sending."""

    row_id: int
    event_id: str
    kind: str
    body: str
    attempts: int
    refusals: int = 0  # answers in a row, before this try, that refused it


@dataclass(frozen=True)
class HookAnswer:
    """What the receiver said: an HTTP status, or why there was none."""

    job: HookJob
    status: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def refused(self) -> bool:
        """The receiver answered and said no (see REFUSALS): asking again will not help."""
        return refused(self.status)


@dataclass(frozen=True)
class HookRow:
    """An event as the desk lists it: what, where it stands, the receiver's last answer."""

    id: int
    event_id: str
    kind: str
    state: str  # queued, sending, sent, failed
    attempts: int
    last_status: int | None
    last_error: str | None
    last_at: dt.datetime | None
    created_at: dt.datetime


@dataclass(frozen=True)
class HookHealth:
    """What `linkdesk status` and /healthz show of the webhooks."""

    waiting: int
    oldest_waiting_at: dt.datetime | None
    last_status: int | None = None
    last_error: str | None = None
    last_at: dt.datetime | None = None
    failed: int = 0  # refused REFUSALS times by the receiver: kept, not tried again

    def oldest_age_s(self, now: dt.datetime) -> float | None:
        if self.oldest_waiting_at is None:
            return None
        return max(0.0, (now - self.oldest_waiting_at).total_seconds())


class Hooks:
    """Queueing, claiming and recording webhook events."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- queued inside the caller's transaction --------------------------------------------

    async def queue(self, kind: str, data_list: list[dict]) -> list[str]:
        """Queue one event of `kind` per data dict, inside the caller's write transaction
        (the change and its events are written together, or neither); their ids."""
        now = self.store.clock()
        ids = [new_event_id() for _ in data_list]
        for chunk in chunked(list(zip(ids, data_list, strict=True))):
            await self.store.insert_rows(HookEvent, [dict(
                event_id=event_id, kind=kind, body=event_body(event_id, kind, now, data),
                state="queued", next_attempt_at=now, created_at=now)
                for event_id, data in chunk])
        return ids

    async def clients(self, client_ids: list[int]) -> dict[int, dict]:
        """What an event says of each client: id, kind, name, email, language."""
        found: dict[int, dict] = {}
        for chunk in chunked(sorted(set(client_ids))):
            rows = await self.store.list(Client.select(
                Client.id, Client.kind, Client.first_name, Client.last_name,
                Client.organization_name, Client.email, Client.language)
                .where(Client.id.in_(chunk)).tuples())
            found.update((i, {"id": i, "kind": kind,
                              "name": organization if kind == "organization" else
                              f"{first} {last}", "email": email, "language": language})
                         for i, kind, first, last, organization, email, language in rows)
        return found

    async def invitations(self, kind: str, events: list[tuple[int, int, dict]]) -> None:
        """Queue an invitation event per (client id, tax year, extra data)."""
        if not events:
            return
        clients = await self.clients([client_id for client_id, _year, _extra in events])
        await self.queue(kind, [{"client": clients.get(client_id), "tax_year": year, **extra}
                                for client_id, year, extra in events])

    async def bill(self, kind: str, bill: dict, company_id: int) -> None:
        """Queue a bill event: the bill, the company whose books hold it and, when those are
        a client's books, the client."""
        rows = await self.store.list(Company.select(Company.id, Company.name, Company.kind,
                                                    Company.client)
                                     .where(Company.id == company_id).tuples())
        company = client = None
        if rows:
            cid, name, company_kind, client_id = rows[0]
            company = {"id": cid, "name": name, "kind": company_kind}
            if client_id is not None:
                client = (await self.clients([client_id])).get(client_id)
        await self.queue(kind, [{"company": company, "client": client, "bill": bill}])

    # -- delivery ----------------------------------------------------------------------------

    async def claim_many(self, limit: int, by: int | None = None,
                         lease: dt.timedelta = LEASE) -> list[HookJob]:
        """Take up to `limit` events due, for process `by`, for at most `lease` (never less
        than LEASE); those of a process whose heartbeat stopped are taken at once."""
        async def read(ids: list[int]) -> list[HookJob]:
            rows = await self.store.list(
                HookEvent.select(HookEvent.id, HookEvent.event_id, HookEvent.kind,
                                 HookEvent.body, HookEvent.attempts, HookEvent.refusals)
                .where(HookEvent.id.in_(ids)).order_by(HookEvent.id).tuples())
            return [HookJob(*row) for row in rows]

        return await claim_due(self.store, HookEvent, limit, by=by, lease=max(lease, LEASE),
                               read=read)

    async def record(self, answers: list[HookAnswer]) -> None:
        """Record each answer in one transaction: 2xx, sent; the REFUSALS-th refusal in a row,
        failed; anything else, tried again after 5 s, 10 s, 20 s ... up to an hour, for as
        long as it takes."""
        if not answers:
            return
        now = self.store.clock()
        async with self.store.write():
            by_status: dict[int, list[int]] = {}
            for answer in answers:
                if answer.delivered and answer.status is not None:
                    by_status.setdefault(answer.status, []).append(answer.job.row_id)
            for status, row_ids in by_status.items():  # usually one: 200
                for chunk in chunked(row_ids):
                    await self.store.execute(HookEvent.update(
                        state="sent", sent_at=now, claimed_until=None, claimed_by=None,
                        last_status=status, last_error=None, last_at=now)
                        .where(HookEvent.id.in_(chunk) & (HookEvent.state == "sending")))
            for answer in answers:
                if answer.delivered:
                    continue
                error = (answer.error or f"HTTP {answer.status}")[:300]
                refusals = answer.job.refusals + 1 if answer.refused else 0
                if refusals >= REFUSALS:
                    await self.store.execute(HookEvent.update(
                        state="failed", claimed_until=None, claimed_by=None, refusals=refusals,
                        last_status=answer.status, last_error=error, last_at=now)
                        .where((HookEvent.id == answer.job.row_id)
                               & (HookEvent.state == "sending")))
                    continue
                await self.store.execute(HookEvent.update(
                    state="queued", claimed_until=None, claimed_by=None, refusals=refusals,
                    last_status=answer.status, last_error=error, last_at=now,
                    next_attempt_at=now + backoff(answer.job.attempts, FIRST_RETRY,
                                                  MAX_BACKOFF))
                    .where((HookEvent.id == answer.job.row_id) & (HookEvent.state == "sending")))

    async def next_due(self) -> dt.datetime | None:
        """When the next queued event is due (None: nothing waiting)."""
        return await self.store.scalar(HookEvent.select(fn.MIN(HookEvent.next_attempt_at))
                                       .where(HookEvent.state == "queued"))

    async def forget_sent(self) -> int:
        """Delete events delivered more than KEEP_SENT ago; how many."""
        return await self.store.execute(HookEvent.delete().where(
            (HookEvent.state == "sent") & (HookEvent.sent_at < self.store.clock() - KEEP_SENT)))

    async def recent(self, limit: int = 200) -> list[HookRow]:
        """The latest events, newest first (delivered ones are kept a week)."""
        rows = await self.store.list(
            HookEvent.select(HookEvent.id, HookEvent.event_id, HookEvent.kind, HookEvent.state,
                             HookEvent.attempts, HookEvent.last_status, HookEvent.last_error,
                             HookEvent.last_at, HookEvent.created_at)
            .order_by(HookEvent.id.desc()).limit(limit).tuples())
        return [HookRow(*row) for row in rows]

    async def retry_failed(self) -> int:
        """Queue the failed events again, due now, their tries counted afresh; how many."""
        async with self.store.write():
            return await self.store.execute(HookEvent.update(
                state="queued", attempts=0, refusals=0, next_attempt_at=self.store.clock())
                .where(HookEvent.state == "failed"))

    async def health(self) -> HookHealth:
        """Events waiting, the oldest of them, the failed, and the receiver's last answer."""
        count, oldest = (await self.store.list(
            HookEvent.select(fn.COUNT(HookEvent.id), fn.MIN(HookEvent.created_at).python_value(
                HookEvent.created_at.python_value))
            .where(HookEvent.state.in_(("queued", "sending"))).tuples()))[0]
        last = await self.store.list(
            HookEvent.select(HookEvent.last_status, HookEvent.last_error, HookEvent.last_at)
            .where(HookEvent.last_at.is_null(False))
            .order_by(HookEvent.last_at.desc(), HookEvent.id.desc()).limit(1).tuples())
        failed = await self.store.scalar(HookEvent.select(fn.COUNT(HookEvent.id))
                                         .where(HookEvent.state == "failed"))
        status, error, at = last[0] if last else (None, None, None)
        return HookHealth(count or 0, oldest, status, error, at, failed=failed or 0)
