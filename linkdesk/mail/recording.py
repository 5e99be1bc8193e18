"""Recording the relay's answers as they come, not at the end of a batch.

A message the relay accepted and the store does not know was sent is sent again after a crash.
Each answer is recorded within moments, in a transaction it shares with the answers that came
at about the same time: a kill -9 sends again only what was on the wire, at most one message
per connection, instead of the whole batch in hand (up to 64 messages a batch, two batches at
once). Then the sent messages' links are scrubbed from SQLite's files (see `Recorder.scrub`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from store.invitations import DeliveryResult

log = logging.getLogger("linkdesk.delivery")
# An answer waits at most this long for others to share its transaction; a whole round of the
# connections (`flush_at`) goes at once. Waiting for a whole batch instead cost 236 messages
# sent twice in 15 kills; one transaction per answer would cost throughput on a fast relay.
GATHER_S = 0.02
# And a record transaction starts at most this often, unless a lane waits for the end of its
# batch: on a fast relay (hundreds of answers a second) a transaction per round of the
# connections would hold SQLite's write lock much of the time, and claims and bulk invitations
# would wait; a relay that answers in 100 ms gets a round every 100 ms, recorded at once.
FLUSH_EVERY_S = 0.05
RECORD_RETRY_S = 0.1  # first wait before recording again, when the database refused
# The links of sent messages are scrubbed from SQLite's files as soon as they are recorded,
# but not more often than this: the checkpoint that does it holds writers back while it syncs
# (~10 ms, up to ~75 ms on a busy disk).
SCRUB_EVERY_S = 1.0
PG_WRITERS = 3  # transactions recording answers side by side on PostgreSQL


class Recorder:
    """Group commit for the delivery lanes: `add(result)` hands an answer over, `wait`
    returns once the answers are in the store. Writer tasks, started by the answers and gone
    once none waits, write for whoever comes meanwhile: no lane waits on another's answers,
    and a worker that is never started (tests, run_once) records too."""

    def __init__(self, store, flush_at: int, stopping) -> None:
        self.store = store
        self.flush_at = max(1, flush_at)
        self._stopping = stopping  # () -> bool: a stop gives up on a broken database sooner
        self._pending: list[tuple[DeliveryResult, asyncio.Future]] = []
        self._full = asyncio.Event()  # enough to write, or a lane waits: stop gathering
        self._hurry = asyncio.Event()  # a lane waits for its batch: no pause between writes
        self._writers = 0  # writer tasks running
        self._tasks: set[asyncio.Task] = set()
        self._gathering = False  # one of them waits for answers to share its transaction
        self._flushed_at = float("-inf")  # when the last record transaction started
        self._recorded = 0  # transactions that recorded a message sent, refused or deferred
        self._scrubbed = 0  # ... of which the files were scrubbed after
        self._scrubbed_at = float("-inf")

    async def wait(self, recorded: list[asyncio.Future]) -> None:
        """Return once every one of `recorded` (from `add`) is in the store. A lane waits
        here for the end of its batch before it claims the next: no pause is kept for it."""
        if not all(done.done() for done in recorded):
            self._hurry.set()
            self._full.set()
        await asyncio.gather(*recorded)

    @property
    def most_writers(self) -> int:
        """SQLite writes one transaction at a time. PostgreSQL commits side by side: an answer
        need not wait for the transaction before its own (15 to 100 ms each on a busy machine,
        which left twice as many messages to send again after a kill)."""
        return 1 if self.store.target.is_sqlite else PG_WRITERS

    def add(self, result: DeliveryResult) -> asyncio.Future:
        """Hand `result` over to be recorded with those of the same moment; the future is done
        once it is recorded (an exception: it could not be, and only when stopping: the lease
        then brings the message back, as after a crash)."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((result, done))
        if len(self._pending) >= self.flush_at:
            self._full.set()
        if not self._gathering and self._writers < self.most_writers:
            self._writers += 1
            task = asyncio.create_task(self._write_while_pending(),
                                       name="linkdesk-delivery-record")
            self._tasks.add(task)  # a task nobody refers to may be collected mid-way
            task.add_done_callback(self._tasks.discard)
        return done

    async def _write_while_pending(self) -> None:
        try:
            # Each turn, unless another writer is already gathering: gather, then write.
            while self._pending and not self._gathering:
                await self._write_some()
        finally:
            self._writers -= 1  # no wait between the test above and this

    async def _write_some(self) -> None:
        self._gathering = True
        try:
            if len(self._pending) < self.flush_at:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(GATHER_S):
                        await self._full.wait()
            wait = self._flushed_at + FLUSH_EVERY_S - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._hurry.wait()
        finally:
            self._gathering = False
        self._flushed_at = time.monotonic()
        taken, self._pending = self._pending, []
        self._full.clear()
        self._hurry.clear()
        try:
            await self._write([result for result, _done in taken])
        except Exception as exc:
            failed: Exception | None = exc
        else:
            failed = None
            if self.store.target.is_sqlite:
                self._recorded += 1
                if time.monotonic() - self._scrubbed_at >= SCRUB_EVERY_S:
                    await self.scrub()
        # The connection back before anyone is told: the task may end right after.
        await self.store.release()
        for _result, done in taken:
            if failed is None:
                done.set_result(None)
            else:
                done.set_exception(failed)

    async def _write(self, results: list[DeliveryResult]) -> None:
        """Record, retrying until the database takes it: a result lost here would have the
        message sent again once its lease ran out."""
        delay = RECORD_RETRY_S
        while True:
            try:
                await self.store.invitations.record(results)
                return
            except Exception:
                if self._stopping() and delay > 4 * RECORD_RETRY_S:
                    raise
                log.exception("recording what the relay said failed; trying again")
                await self.store.release()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    @property
    def scrub_owed(self) -> bool:
        """Sent messages were recorded since the files were last scrubbed."""
        return self._recorded > self._scrubbed

    async def scrub_if_due(self) -> float | None:
        """Scrub now if it is owed and was not tried in the last SCRUB_EVERY_S; return how
        long before it should be tried again (None: nothing owed)."""
        if not self.scrub_owed:
            return None
        wait = self._scrubbed_at + SCRUB_EVERY_S - time.monotonic()
        if wait > 0:
            return wait
        return None if await self.scrub() else SCRUB_EVERY_S

    async def scrub(self) -> bool:
        """Make the links of the messages recorded so far unreadable from SQLite's files: the
        rows are zeroed (secure_delete) and a checkpoint copies them over the main file and
        empties the WAL, whose older frames still hold the messages. A reader in the middle
        of a snapshot makes it wait for a later call; returns whether it was done."""
        self._scrubbed_at = time.monotonic()
        recorded = self._recorded  # what was committed before the checkpoint starts
        try:
            done = await self.store.scrub()
        except Exception:  # a busy moment: the next record or the next idle moment
            log.debug("scrubbing the WAL failed", exc_info=True)
            return False
        if done:
            self._scrubbed = max(self._scrubbed, recorded)
        return done
