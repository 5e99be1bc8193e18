"""Recording the relay's answers as they come, and before a connection sends another message.

A message the relay accepted and the store does not know was sent is sent again after a crash.
A message's last line, the lone "." with which the relay may keep it, goes only once a turn is
free (`Turn.take`), and a turn is given back once its message's answer is in the store: at
most one message per connection is
ever between the relay and the store, so a kill -9 sends again at most the connection count
(the whole batch in hand, up to 64 messages a batch, two batches at once, before this module;
10 to 20 a kill while answers were recorded within 50 ms but connections went on sending).
All the rest of a connection's next message (MAIL, RCPT, DATA and its text) goes while its
last one is recorded: a relay keeps nothing of a message whose end it has not seen.
Answers that come at about the same time share a transaction. Then the sent messages' links
are scrubbed from SQLite's files (see `Recorder.scrub`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from store.invitations import DeliveryResult

log = logging.getLogger("linkdesk.delivery")
# An answer waits at most this long for the answers of every other turn to share its
# transaction; once each turn's answer is in, they are written at once (a whole round). A
# transaction costs about the same whatever it holds (its trips to SQLite's thread, its
# commit): written as soon as nothing was on the wire, it held 4-5 answers once the rest of a
# message went before its turn, and the in-process bulk path spent 1.0-1.2 ms of CPU a
# message (0.6-0.7 with a batch recorded at its end); whole rounds, 0.7-0.9.
GATHER_S = 0.05
RECORD_RETRY_S = 0.1  # first wait before recording again, when the database refused
# The links of sent messages are scrubbed from SQLite's files as soon as they are recorded,
# but not more often than this: the checkpoint that does it holds writers back while it syncs
# (~10 ms, up to ~75 ms on a busy disk).
SCRUB_EVERY_S = 1.0
PG_WRITERS = 3  # transactions recording answers side by side on PostgreSQL
# Records commit as every other write does. `synchronous_commit = off` would not change what a
# kill -9 of this process resends (the turns bound it, whatever a commit takes), and it can
# lose a recorded "sent": such a commit is acknowledged once its WAL is in the server's shared
# buffers, flushed up to 3 x wal_writer_delay later (600 ms by default). A kill of ours cannot
# lose it (the server flushes it, and any later synchronous commit flushes it first), but a
# crash of the server (any backend's crash resets shared memory), of the OS or of the power
# within that time does: the message would be sent again. SQLite already commits with
# synchronous=NORMAL in WAL mode (store/db.py): the frames are written to the OS before COMMIT
# returns, so a kill -9 loses nothing, and a power cut loses what came since the last checkpoint
# (the scrub's, about once a second while sending).


class Turn:
    """A message's turn on the wire (see `Recorder.turn`)."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.taken = False
        self.recorded: asyncio.Future | None = None

    async def take(self) -> None:
        """Wait for a free turn: from here until its answer is in the store, the relay may
        keep the message and the store not know it. Awaited just before the message's last
        line (all the rest goes before, while earlier answers are being recorded)."""
        await self._recorder._free.acquire()
        self.taken = True
        self._recorder._on_wire += 1

    def record(self, result: DeliveryResult) -> asyncio.Future:
        """Hand the relay's answer over to be recorded with those of the same moment; the
        turn ends, and the future is done, once it is in the store (an exception: it could not
        be, and only when stopping: the lease then brings the message back, as after a crash).
        An answer that came before the turn (a recipient refused) is recorded too.
        """
        self.recorded = self._recorder._add(result, self.taken)
        return self.recorded


class Recorder:
    """Group commit for the delivery lanes, and the turns that bound what a crash resends.

    A lane sends each message inside `turn()` (as many turns as relay connections) and hands
    the answer over with `Turn.record`; the turn ends once the answer is in the store. Writer
    tasks, started by the answers and gone once none waits, write for whoever comes meanwhile:
    no lane waits on another's answers, and a worker that is never started (tests, run_once)
    records too."""

    def __init__(self, store, turns: int, stopping) -> None:
        self.store = store
        self.turns = max(1, turns)
        self._stopping = stopping  # () -> bool: a stop gives up on a broken database sooner
        self._free = asyncio.Semaphore(self.turns)
        self._on_wire = 0  # turns whose message the relay has not answered yet
        self._pending: list[tuple[DeliveryResult, asyncio.Future]] = []
        self._pending_turns = 0  # ... of which held a turn
        self._round_full = asyncio.Event()  # every turn's answer waits in _pending: write now
        self._writers = 0  # writer tasks running
        self._tasks: set[asyncio.Task] = set()
        self._gathering = False  # one of them waits for answers to share its transaction
        self._recorded = 0  # transactions that recorded a message sent, refused or deferred
        self._scrubbed = 0  # ... of which the files were scrubbed after
        self._scrubbed_at = float("-inf")
        self._scrubbing: asyncio.Future | None = None  # the scrub after a record, while it runs

    @contextlib.asynccontextmanager
    async def turn(self):
        """A message's turn, taken (`Turn.take`) before its last line and held until its
        answer is in the store (`Turn.record`): a connection ends no other message meanwhile,
        so a crash resends at most one message per connection."""
        turn = Turn(self)
        try:
            yield turn
        finally:
            if turn.taken:
                try:
                    if turn.recorded is None:  # no answer to record (the relay stopped it)
                        self._on_wire -= 1
                    else:  # whoever holds the future reads how its record went
                        await asyncio.wait([turn.recorded])
                finally:
                    self._free.release()
            elif turn.recorded is not None:
                await asyncio.wait([turn.recorded])

    @property
    def most_writers(self) -> int:
        """SQLite writes one transaction at a time. PostgreSQL commits side by side: an answer
        need not wait for the transaction before its own (15 to 100 ms each on a busy machine,
        which left twice as many messages to send again after a kill)."""
        return 1 if self.store.target.is_sqlite else PG_WRITERS

    def _add(self, result: DeliveryResult, on_wire: bool) -> asyncio.Future:
        done = asyncio.get_running_loop().create_future()
        self._pending.append((result, done))
        if on_wire:
            self._on_wire -= 1
            self._pending_turns += 1
            if self._pending_turns >= self.turns:
                self._round_full.set()
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
            if self._pending_turns < self.turns:  # a moment for the others' answers
                self._round_full.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(GATHER_S):
                        await self._round_full.wait()
        finally:
            self._gathering = False
        taken, self._pending, self._pending_turns = self._pending, [], 0
        try:
            await self._write([result for result, _done in taken])
        except Exception as exc:
            failed: Exception | None = exc
        else:
            failed = None
            if self.store.target.is_sqlite:
                self._recorded += 1
        # The connection back before anyone is told: the task may end right after.
        await self.store.release()
        scrub = (failed is None and self.scrub_owed
                 and time.monotonic() - self._scrubbed_at >= SCRUB_EVERY_S)
        scrubbing = asyncio.get_running_loop().create_future() if scrub else None
        if scrubbing is not None:  # whoever waits for its records waits for this (`settled`)
            self._scrubbing = scrubbing
        for _result, done in taken:
            if failed is None:
                done.set_result(None)
            else:
                done.set_exception(failed)
        if scrubbing is not None:  # the turns are free again: no message waits for the scrub
            try:
                await self.scrub()
                await self.store.release()
            finally:
                scrubbing.set_result(None)

    async def settled(self) -> None:
        """Once the scrub that follows the records just made (if one does) is over."""
        if self._scrubbing is not None and not self._scrubbing.done():
            await asyncio.wait([self._scrubbing])

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
