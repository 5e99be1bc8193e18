"""A bulk invitation: many clients queued chunk by chunk, followed until delivered, cancellable."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from linkdesk.mail.outgoing import request_for

CHUNK = 100  # clients queued per transaction: the list stays responsive in between
WATCH_EVERY_S = 0.5


@dataclass
class BulkProgress:
    """Where a bulk invitation stands; `sent` means the relay accepted the message."""

    total: int
    queued: int = 0
    skipped: int = 0  # inactive, or already invited for the year
    sent: int = 0
    failed: int = 0
    taken_back: int = 0  # queued, then taken back before the relay had it: the run was stopped
    cancelled: bool = False
    done: bool = False
    invited: list[int] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # why clients were skipped: how many

    @property
    def waiting(self) -> int:
        """Queued, not taken back, and not yet accepted or refused by the relay."""
        return self.queued - self.sent - self.failed - self.taken_back

    @property
    def handled(self) -> int:
        return self.queued + self.skipped

    @property
    def not_queued(self) -> int:
        """Clients a stopped run never reached: still as they were."""
        return self.total - self.handled


class BulkInvitation:
    """Invites `client_ids` for `tax_year`, each in its own language's template.

    Each client gets its own token, message and event (Invitations.invite_many, one
    transaction per chunk). Cancelling means "send no more": no chunk is queued after it,
    the run's messages not yet handed to the relay are taken back (their clients are as they
    were), and the run follows only those the relay already has.
    """

    def __init__(self, store, preparer, settings, client_ids: list[int], tax_year: int, *,
                 reinvite: bool = False, on_progress: Callable[[BulkProgress], None] = print,
                 wake: Callable[[], None] | None = None, chunk: int = CHUNK,
                 follow: bool = True, process_id: int | None = None) -> None:
        self.store = store
        self.preparer = preparer
        self.settings = settings
        self.client_ids = list(dict.fromkeys(client_ids))
        self.tax_year = tax_year
        self.reinvite = reinvite
        self.on_progress = on_progress
        self.wake = wake or (lambda: None)
        self.chunk = chunk
        self.follow = follow  # False: return once queued (a script; the service delivers)
        self.process_id = process_id  # whose heartbeat tells whether the run is still alive
        self.progress = BulkProgress(total=len(self.client_ids))
        self.run_id: int | None = None
        self.reply_to = ""  # the firm's public email, read when the run starts
        self._stopped = asyncio.Event()  # wakes the follow at once: take back without waiting

    def cancel(self) -> None:
        self.progress.cancelled = True
        self._stopped.set()

    def _request(self, client: dict):
        return request_for(client, self.tax_year, firm_name=self.preparer.firm_name,
                           preparer_name=self.preparer.username,
                           sender_address=self.settings.sender_address,
                           reply_to=self.reply_to, portal=self.settings.portal_url)

    async def run(self) -> BulkProgress:
        """Queue every chunk (unless cancelled), then follow delivery to the end."""
        progress = self.progress
        store = self.store
        self.reply_to = await store.network.firm_email(self.preparer.firm_id)
        run_id = self.run_id = await store.bulk_runs.begin(
            self.preparer.firm_id, self.preparer.id, self.tax_year, progress.total,
            self.process_id)
        try:
            await self._queue_all(run_id)
        except BaseException:
            # A fault or a cancelled worker: the run says how far it went (a kill -9 leaves it
            # "running" under a dead heartbeat, which everyone sees as cut short too).
            with contextlib.suppress(Exception):
                await store.bulk_runs.end(run_id, "interrupted", progress.queued,
                                          progress.skipped)
            raise
        await store.bulk_runs.end(run_id, "cancelled" if progress.cancelled else "done",
                                  progress.queued, progress.skipped)
        await self._follow()
        return progress

    async def _queue_all(self, run_id: int) -> None:
        progress = self.progress
        store = self.store
        for start in range(0, len(self.client_ids), self.chunk):
            if progress.cancelled:
                break
            clients = await store.clients.many_details(self.client_ids[start:start + self.chunk])
            outcome = await store.invitations.invite_many(
                [self._request(c) for c in clients], self.preparer.id, self.settings.link_base,
                reinvite=self.reinvite, bulk_run=run_id)
            progress.queued += len(outcome.invited)
            progress.skipped += len(outcome.refused) + (
                len(self.client_ids[start:start + self.chunk]) - len(clients))
            progress.invited += list(outcome.invited)
            for code in outcome.refused.values():
                progress.reasons[code] = progress.reasons.get(code, 0) + 1
            await store.bulk_runs.advance(run_id, progress.queued, progress.skipped)
            self.wake()
            self.on_progress(progress)
            await store.release()
            await asyncio.sleep(0)  # keys typed meanwhile are handled between chunks

    async def _follow(self) -> None:
        """Follow delivery until every queued message is sent, refused or taken back; once
        stopped, take back what the relay has not been handed (again each round: a message
        the relay deferred or handed back is queued again)."""
        progress = self.progress
        store = self.store
        while (self.follow or progress.cancelled) and progress.waiting > 0:
            if progress.cancelled:
                await store.invitations.take_back(self.run_id, self.preparer.id)
            counts = await store.invitations.run_counts(self.run_id)
            await store.release()
            progress.sent, progress.failed = counts.sent, counts.failed
            progress.taken_back = counts.taken_back
            self.on_progress(progress)
            if progress.waiting > 0:
                await self._pause()
        progress.done = True
        self.on_progress(progress)

    async def _pause(self) -> None:
        """A round's wait; a stop ends it at once (the relay may claim more meanwhile)."""
        if self.progress.cancelled:
            await asyncio.sleep(WATCH_EVERY_S)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), WATCH_EVERY_S)
