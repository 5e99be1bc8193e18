"""The delivery worker: sends what the outbox holds, records each result, never loses a message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from linkdesk.mail.sender import DeliveryError, SmtpPool, SmtpSender
from store.invitations import DeliveryResult, OutboxJob

log = logging.getLogger("linkdesk.delivery")
SCRUB_EVERY_S = 30.0  # at most this often, once the queue is empty
RECORD_RETRY_S = 0.1  # first wait before recording a sent batch again
IDLE_POLL_S = 5.0  # with nothing due, look again this often (or as soon as woken)
LANES = 2  # claim-send-record loops; two keep the relay busy while a batch is recorded


class DeliveryWorker:
    """Claims due messages from the store's outbox and sends them through `sender`.

    The outbox row is written before any network I/O (by Invitations.invite), so a crash or a
    restart loses nothing: unsent rows are sent when the worker starts again, and a row claimed
    but never reported is sent again, with the same Message-ID, once its lease ends.
    """

    def __init__(self, store, sender: SmtpSender | SmtpPool, on_change=None, *,
                 claimed_by: int | None = None, on_relay=None) -> None:
        self.store = store
        self.claimed_by = claimed_by  # this process's heartbeat id: a dead one's are taken over
        self.on_relay = on_relay  # on_relay(ok, said) after each batch: the relay's last word
        self.sender = sender
        # Messages claimed at once: a few per connection, recorded in one transaction. Small
        # enough that a slow relay (30 s timeouts) still finishes a batch within its lease.
        self.batch = 4 * sender.size
        self.on_change = on_change  # called after each recorded result (the list refreshes)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._scrubbed_at = float("-inf")

    def wake(self) -> None:
        """A message was queued: look at the outbox now rather than at the next poll."""
        self._wake.set()

    def start(self) -> DeliveryWorker:
        """Run LANES loops side by side: while one records its batch, the other sends."""
        self._tasks = [asyncio.create_task(self._run(), name=f"linkdesk-delivery-{lane}")
                       for lane in range(LANES)]
        return self

    async def stop(self) -> None:
        """Finish the message in hand (never cut a transaction mid-way), then stop."""
        self._stopping = True
        self._wake.set()
        await asyncio.gather(*self._tasks)
        self._tasks = []
        await self.sender.close()

    async def _run(self) -> None:
        sent_since_scrub = False
        while not self._stopping:
            try:
                worked = await self.run_once()
            except Exception:  # a database hiccup must not kill delivery for good
                log.exception("delivery round failed")
                worked = False
            sent_since_scrub |= worked
            if not worked:
                if sent_since_scrub and await self._scrub_due():
                    # The queue ran dry: no sent message stays readable in the WAL.
                    with contextlib.suppress(Exception):
                        await self.store.scrub()
                    sent_since_scrub = False
                await self.store.release()
                await self._sleep()

    async def _sleep(self) -> None:
        self._wake.clear()
        timeout = IDLE_POLL_S
        due = await self.store.invitations.next_due()
        await self.store.release()
        if due is not None:
            timeout = max(0.0, min(timeout, (due - self.store.clock()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def run_once(self) -> bool:
        """Send a batch of due messages if there are any; return whether there were."""
        jobs = await self.store.invitations.claim_many(self.batch, by=self.claimed_by)
        if not jobs:
            return False
        results = await asyncio.gather(*(self._send(job) for job in jobs))
        await self._record(results)
        self._tell(results)
        if self.on_change is not None:
            self.on_change()
        return True

    def _tell(self, results: list[DeliveryResult]) -> None:
        """One log line per batch, and the relay's state: a temporary failure is the relay's
        (unreachable, busy); a message it took says it is fine."""
        sent = sum(r.error is None for r in results)
        refused = sum(r.error is not None and r.permanent for r in results)
        deferred = [r for r in results if r.error is not None and not r.permanent]
        log.info("delivery: %d sent, %d refused, %d to try again", sent, refused, len(deferred))
        if self.on_relay is None:
            return
        if deferred:
            self.on_relay(False, deferred[-1].error or "")
        elif sent:
            self.on_relay(True, "")

    async def _scrub_due(self) -> bool:
        """Whether to truncate the WAL now: nothing left to send, and not done in a while (a
        checkpoint waits for readers, and a bulk run empties the queue many times a minute)."""
        now = time.monotonic()
        if now - self._scrubbed_at < SCRUB_EVERY_S:
            return False
        if await self.store.invitations.next_due() is not None:
            return False
        self._scrubbed_at = now
        return True

    async def _record(self, results: list[DeliveryResult]) -> None:
        """Record what the relay said, retrying until the database takes it: a result lost
        here would have the message sent again once its lease ran out."""
        delay = RECORD_RETRY_S
        while True:
            try:
                await self.store.invitations.record(results)
                return
            except Exception:
                if self._stopping and delay > 4 * RECORD_RETRY_S:
                    raise  # stopping: the lease brings the batch back, as after a crash
                log.exception("recording a sent batch failed; trying again")
                await self.store.release()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _send(self, job: OutboxJob) -> DeliveryResult:
        try:
            answer = await self.sender.send_raw(job.envelope_from, job.envelope_to, job.raw)
        except DeliveryError as exc:
            return DeliveryResult(job, error=exc.reason, permanent=exc.permanent)
        return DeliveryResult(job, answer=answer)
