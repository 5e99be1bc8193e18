"""The demo keeps moving for as long as someone watches: every few seconds a colleague invites a
client or two (through the bulk path the desk uses), and now and then a message comes back as
a bounce. Acceptances follow from the simulated clients; reminders fall due from the seed.

Every other move invites one of the clients on the list's first screen (`shown`), until none
is left: someone watching sees the rows in front of them change, for a few minutes."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence

from linkdesk.bulk import BulkInvitation
from store.bounces import Report
from store.models import Invitation, Outbox, OutboxTag

log = logging.getLogger(__name__)

PAUSE_S = (6.0, 14.0)  # between two moves
BOUNCE_SHARE = 0.15  # of the moves, how many are a bounce rather than invitations


class KeepMoving:
    """A colleague's work on the same desk, and the mail that comes back, at a human pace."""

    def __init__(self, store, preparer, settings, not_invited: list[int], rng: random.Random,
                 *, shown: Sequence[int] = (), wake=None, process_id: int | None = None,
                 pause=PAUSE_S, sleep=asyncio.sleep) -> None:
        self.store = store
        self.preparer = preparer
        self.settings = settings
        self.waiting = list(not_invited)  # who can still be invited, in the order they will be
        self.shown = list(shown)  # on the first screen: one of them every other move
        self.rng = rng
        self.wake = wake
        self.process_id = process_id
        self.pause = pause
        self.sleep = sleep
        self.moves = self.invited = self.bounced = 0

    async def run(self) -> None:
        while True:
            await self.sleep(self.rng.uniform(*self.pause))
            try:
                await self.move()
            except asyncio.CancelledError:
                raise
            except Exception:  # a busy moment or a closing store: the next move tries again
                log.warning("demo move failed", exc_info=True)

    async def move(self) -> None:
        self.moves += 1
        if self.moves % 2 and self.shown:  # where the watcher looks: never a bounce instead
            await self.invite_some(shown=True)
            return
        if self.rng.random() < BOUNCE_SHARE and await self.bounce():
            return
        await self.invite_some()

    async def invite_some(self, shown: bool = False) -> int:
        """A client or two (one of the first screen's, with `shown`), as the desk invites."""
        if shown:
            ids, self.shown = self.shown[:1], self.shown[1:]
        else:
            count = self.rng.randint(1, 3)
            ids, self.waiting = self.waiting[:count], self.waiting[count:]
        if not ids:
            return 0
        bulk = BulkInvitation(self.store, self.preparer, self.settings, ids,
                              self.settings.tax_year, on_progress=lambda _p: None,
                              wake=self.wake, follow=False, process_id=self.process_id)
        progress = await bulk.run()
        self.invited += progress.queued
        return progress.queued

    async def bounce(self) -> bool:
        """The newest delivered invitation still pending comes back: mailbox unavailable."""
        rows = await self.store.list(
            OutboxTag.select(OutboxTag.return_tag)
            .join(Outbox, on=(OutboxTag.outbox == Outbox.id))
            .join(Invitation, on=(Outbox.invitation == Invitation.id))
            .where((Outbox.state == "sent") & (Invitation.state == "pending"))
            .order_by(Outbox.sent_at.desc()).limit(1).tuples())
        if not rows:
            return False
        await self.store.bounces.record([Report(
            rows[0][0], "failed", "5.1.1",
            "smtp; 550 5.1.1 The email account that you tried to reach does not exist (demo)")])
        self.bounced += 1
        return True
