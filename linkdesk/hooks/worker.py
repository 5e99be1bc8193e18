"""The webhook worker: claims due events from the store, POSTs them, records each answer.

An event is in the database before anything is sent (written with the change it tells), so a
crash loses nothing: what was claimed and not recorded is sent again, with the same event id,
as soon as the dead process's heartbeat stops (or its lease ends). At least once, never lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time

from linkdesk.hooks.sender import HookSender
from store.hooks import REFUSALS, HookAnswer, HookJob

log = logging.getLogger("linkdesk.hooks")
IDLE_POLL_S = 5.0  # with nothing due, look again this often (or as soon as woken)
BATCH = 32  # events claimed at once
FORGET_EVERY_S = 3600.0  # delivered events older than a week are deleted this often


class HookWorker:
    """Delivers the store's webhook events through `sender`, for process `claimed_by`."""

    def __init__(self, store, sender: HookSender, *, claimed_by: int | None = None,
                 on_change=None) -> None:
        self.store = store
        self.sender = sender
        self.claimed_by = claimed_by
        self.on_change = on_change  # called after each recorded batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._failing = False  # the last answer was not 2xx: said once in the log
        self._forgot_at = float("-inf")

    def wake(self) -> None:
        """An event was queued (or a change seen): look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> HookWorker:
        self._task = asyncio.create_task(self._run(), name="linkdesk-hooks")
        return self

    async def stop(self) -> None:
        """Finish the batch in hand (its answers are recorded), then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self.sender.close()

    def lease(self) -> dt.timedelta:
        """Long enough for a whole batch to time out, connection by connection."""
        rounds = -(-BATCH // self.sender.connections)
        return dt.timedelta(seconds=rounds * self.sender.timeout_s + 60)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                worked = await self.run_once()
                if time.monotonic() - self._forgot_at > FORGET_EVERY_S:
                    self._forgot_at = time.monotonic()
                    await self.store.hooks.forget_sent()
            except Exception:  # a database hiccup must not stop the webhooks for good
                log.exception("webhook round failed")
                worked = False
            if not worked:
                await self._sleep()

    async def _sleep(self) -> None:
        self._wake.clear()
        if self._stopping:
            return
        timeout = IDLE_POLL_S
        due = await self.store.hooks.next_due()
        await self.store.release()
        if due is not None:
            timeout = max(0.0, min(timeout, (due - self.store.clock()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def run_once(self) -> bool:
        """POST a batch of due events if there are any, and record the answers; whether
        there were any."""
        jobs = await self.store.hooks.claim_many(BATCH, by=self.claimed_by, lease=self.lease())
        if not jobs:
            return False
        await self.store.release()  # no connection held while the receiver works
        answers = await asyncio.gather(*(self._post(job) for job in jobs))
        await self._record(answers)
        self._tell(answers)
        if self.on_change is not None:
            self.on_change()
        return True

    async def _post(self, job: HookJob) -> HookAnswer:
        answer = await self.sender.post(job.event_id, job.kind, job.body.encode("utf-8"))
        return HookAnswer(job, answer.status, answer.error)

    async def _record(self, answers: list[HookAnswer]) -> None:
        """Record the answers; a busy database is waited for (the lease keeps the claims)."""
        delay = 0.1
        while True:
            try:
                await self.store.hooks.record(answers)
                return
            except Exception:
                if self._stopping:
                    raise  # the stop hands the claims back, or the lease brings them back
                log.exception("recording webhook answers failed; trying again")
                await self.store.release()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    def _tell(self, answers: list[HookAnswer]) -> None:
        """One log line per batch; a receiver that starts or stops failing is said once."""
        delivered = sum(a.delivered for a in answers)
        later = len(answers) - delivered
        log.info("webhooks: %d delivered, %d to try again", delivered, later)
        failed = next((a for a in answers if not a.delivered), None)
        if failed is not None and not self._failing:
            log.warning("webhooks: the receiver said: %s; %s",
                        failed.error or f"HTTP {failed.status}",
                        f"a refusal: failed after {REFUSALS} in a row" if failed.refused
                        else "tried again with backoff")
        elif failed is None and self._failing:
            log.info("webhooks: the receiver answers well again")
        self._failing = failed is not None
