"""A bulk invitation: many clients queued chunk by chunk, followed until delivered, cancellable."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

from linkdesk.mail.outgoing import request_for
from store.clients import FAILED, SENDING

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
    cancelled: bool = False
    done: bool = False
    invited: list[int] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # why clients were skipped: how many

    @property
    def waiting(self) -> int:
        """Queued but not yet accepted or refused by the relay."""
        return self.queued - self.sent - self.failed

    @property
    def handled(self) -> int:
        return self.queued + self.skipped


class BulkInvitation:
    """Invites `client_ids` for `tax_year`, each in its own language's template.

    Each client gets its own token, message and event (Invitations.invite_many, one
    transaction per chunk). Cancelling stops before the next chunk: clients not reached yet
    stay as they were; what was queued is delivered.
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

    def cancel(self) -> None:
        self.progress.cancelled = True

    def _request(self, client: dict):
        return request_for(client, self.tax_year, firm_name=self.preparer.firm_name,
                           preparer_name=self.preparer.username,
                           sender_address=self.settings.sender_address)

    async def run(self) -> BulkProgress:
        """Queue every chunk (unless cancelled), then follow delivery to the end."""
        progress = self.progress
        store = self.store
        run_id = await store.bulk_runs.begin(self.preparer.firm_id, self.preparer.id,
                                             self.tax_year, progress.total, self.process_id)
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
                reinvite=self.reinvite)
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
        """Follow delivery until every queued message is sent or refused."""
        progress = self.progress
        store = self.store
        while self.follow and progress.waiting > 0:
            statuses = await store.clients.statuses_of(progress.invited, self.tax_year)
            await store.release()
            # Past sending and not refused: the relay took it (pending, or already accepted).
            progress.failed = sum(s == FAILED for s in statuses.values())
            progress.sent = sum(s not in (FAILED, SENDING) for s in statuses.values())
            self.on_progress(progress)
            if progress.waiting > 0:
                await asyncio.sleep(WATCH_EVERY_S)
        progress.done = True
        self.on_progress(progress)
