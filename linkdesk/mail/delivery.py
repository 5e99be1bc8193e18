"""The delivery worker: sends what the outbox holds, records each result, never loses a message."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import time

from linkdesk.mail.errors import UNREACHABLE, RelayProblem
from linkdesk.mail.recording import RECORD_RETRY_S, Recorder
from linkdesk.mail.sender import DeliveryError, SmtpPool, SmtpSender
from linkdesk.mail.verp import return_path
from store.invitations import DeliveryResult, OutboxJob

log = logging.getLogger("linkdesk.delivery")
IDLE_POLL_S = 5.0  # with nothing due, look again this often (or as soon as woken)
LANES = 2  # claim-send loops; two keep the relay busy while one claims its next batch
# Messages claimed per relay connection at once. Each claim costs the same few queries however
# many messages it carries: a fast relay gets bigger batches (a bulk run of 1,000 spent a third
# of its delivery time on claims and records at 4), a slow one small ones. A batch's answers are
# recorded as they come (linkdesk.mail.recording), not when the batch ends, and a connection
# sends nothing more before its last answer is recorded.
MIN_PER_CONNECTION, MAX_PER_CONNECTION = 4, 16
FAST_BATCH_S, SLOW_BATCH_S = 0.5, 2.0  # grow after a batch this quick, shrink after one this slow
# While the relay itself is unusable, ask it again after these waits (then the last, forever):
# a wrong password must not be tried so often that the relay locks the firm's account.
PROBE_WAITS_S = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0)
# A relay that cannot be reached (refused, no route, timed out, 4xx on connecting) is an
# outage, not a wrong password: asked again every few seconds, with jitter so that the firm's
# processes do not knock together, and used again within seconds of coming back (after a
# 10-minute outage the slow waits above resumed up to 4 minutes late).
OUTAGE_WAITS_S = (2.0, 3.0, 5.0)
JITTER = 0.2  # each wait drawn within ±20 %


class DeliveryWorker:
    """Claims due messages from the store's outbox and sends them through `sender`.

    The outbox row is written before any network I/O (by Invitations.invite), so a crash or a
    restart loses nothing: unsent rows are sent when the worker starts again, and a row claimed
    but never reported is sent again, with the same Message-ID, once its lease ends.
    """

    def __init__(self, store, sender: SmtpSender | SmtpPool, on_change=None, *,
                 claimed_by: int | None = None, on_relay=None,
                 bounce_address: str = "") -> None:
        self.store = store
        # The Return-Path: bounces+TAG@... when the firm has a bounce address (VERP), so that
        # a bounce says which message it is about.
        self.bounce_address = bounce_address
        self.claimed_by = claimed_by  # this process's heartbeat id: a dead one's are taken over
        self.on_relay = on_relay  # on_relay(ok, said) after each batch: the relay's last word
        self.sender = sender
        # Messages claimed at once: a few per connection, more while the relay answers
        # quickly (see _pace). Each is recorded as soon as the relay answers it.
        self.batch = MIN_PER_CONNECTION * sender.size
        self._stopping = False
        self.recorder = Recorder(store, sender.size, lambda: self._stopping)
        self.on_change = on_change  # called after each recorded result (the list refreshes)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self.problem: RelayProblem | None = None  # set while delivery is paused
        self._resume = asyncio.Event()
        self._prober: asyncio.Task | None = None
        self.probe_waits = PROBE_WAITS_S
        self.outage_waits = OUTAGE_WAITS_S
        self._looked = asyncio.Event()  # the relay asked once, at start

    @property
    def paused(self) -> bool:
        return self.problem is not None

    def retry_now(self) -> None:
        """The settings were checked and the relay answered: ask it again at once."""
        if self._prober is not None:
            self._resume.set()

    def wake(self) -> None:
        """A message was queued: look at the outbox now rather than at the next poll."""
        self._wake.set()

    def start(self) -> DeliveryWorker:
        """Ask the relay first, then run LANES loops side by side: while one claims its next
        batch, the other sends."""
        self._tasks = [asyncio.create_task(self._first_look(), name="linkdesk-delivery-0")]
        self._tasks += [asyncio.create_task(self._after_first_look(),
                                            name=f"linkdesk-delivery-{lane}")
                        for lane in range(1, LANES)]
        return self

    async def _after_first_look(self) -> None:
        """A lane that claims nothing before the relay has been asked: a wrong password would
        otherwise be tried once on every connection, with a batch in hand."""
        await self._looked.wait()
        await self._run()

    async def _first_look(self) -> None:
        """The relay as configured now (new settings are checked at once): well, or paused
        before any message is claimed; then this lane delivers like the others."""
        try:
            await self.sender.probe()
        except RelayProblem as problem:
            self._pause(problem)
        except Exception as exc:  # the relay's, whatever it is; sending will say more
            log.warning("relay probe failed: %s", exc)
        else:
            if self.on_relay is not None:
                self.on_relay(True, "", None)
        finally:
            self._looked.set()
        await self._run()

    async def stop(self) -> None:
        """Finish the message in hand (never cut a transaction mid-way), then stop."""
        self._stopping = True
        self._wake.set()
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
        await asyncio.gather(*self._tasks)
        self._tasks = []
        await self.sender.close()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                worked = await self.run_once()
            except Exception:  # a database hiccup must not kill delivery for good
                log.exception("delivery round failed")
                worked = False
            if not worked:
                # Sent messages whose links are still in SQLite's files (a reader held the
                # WAL, or a bulk run recorded within the last second): scrubbed now or soon.
                scrub_in = await self.recorder.scrub_if_due()
                await self.store.release()
                await self._sleep(IDLE_POLL_S if scrub_in is None else min(scrub_in,
                                                                           IDLE_POLL_S))

    async def _sleep(self, at_most: float = IDLE_POLL_S) -> None:
        timeout = at_most
        self._wake.clear()
        if self._stopping:  # a stop that came before the clear must not wait a poll
            return
        if self.paused:  # nothing is claimed until the relay answers well again
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            return
        due = await self.store.invitations.next_due()
        await self.store.release()
        if due is not None:
            timeout = max(0.0, min(timeout, (due - self.store.clock()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout)

    async def run_once(self) -> bool:
        """Send a batch of due messages if there are any; return whether there were.

        A problem of the relay itself (its login, its certificate, unreachable) fails nobody:
        the messages it stopped go back to the queue as they were, delivery pauses, and the
        relay is asked again now and then until it answers well."""
        if self.paused:
            return False
        batch = self.batch
        jobs = await self.store.invitations.claim_many(batch, by=self.claimed_by,
                                                       lease=self.lease_for(batch))
        if not jobs:
            return False
        # Its connection back while the relay works: the answers are recorded by another
        # task (Recorder), which needs one of the pool's.
        await self.store.release()
        started = time.monotonic()
        recorded: list[asyncio.Future] = []  # each answer is recorded as it comes
        outcomes = await asyncio.gather(*(self._send_and_record(job, recorded)
                                          for job in jobs))
        await asyncio.gather(*recorded)  # each is done: whether a record failed
        await self.recorder.settled()  # their links scrubbed from SQLite's files, if due
        self._pace(len(jobs), time.monotonic() - started)
        results = [o for o in outcomes if isinstance(o, DeliveryResult)]
        stopped = [o for o in outcomes if not isinstance(o, DeliveryResult)]
        if stopped:
            await self._hand_back([job for job, _problem in stopped])
            self._pause(stopped[0][1])
        self._tell(results)
        if self.on_change is not None and (results or stopped):
            self.on_change()
        return bool(results)

    def lease_for(self, batch: int) -> dt.timedelta:
        """Long enough for every message of a batch to time out, one after another, on its
        connection, and a minute to record them: no other process takes them meanwhile."""
        per_connection = -(-batch // self.sender.size)
        timeout = getattr(getattr(self.sender, "relay", None), "timeout", 30.0)
        return dt.timedelta(seconds=per_connection * timeout + 60)

    def _pace(self, sent: int, took_s: float) -> None:
        """Bigger batches while the relay is quick, smaller ones when it slows down."""
        size = self.sender.size
        if sent >= self.batch and took_s < FAST_BATCH_S:
            self.batch = min(self.batch * 2, MAX_PER_CONNECTION * size)
        elif took_s > SLOW_BATCH_S:
            self.batch = max(self.batch // 2, MIN_PER_CONNECTION * size)

    def _tell(self, results: list[DeliveryResult]) -> None:
        """One log line per batch; a message the relay took says the relay is fine."""
        if not results:
            return
        sent = sum(r.error is None for r in results)
        refused = sum(r.error is not None and r.permanent for r in results)
        deferred = len(results) - sent - refused
        log.info("delivery: %d sent, %d refused, %d to try again", sent, refused, deferred)
        if sent and self.on_relay is not None and not self.paused:
            self.on_relay(True, "", None)

    def _pause(self, problem: RelayProblem) -> None:
        """Stop claiming; say what the relay said; ask it again later."""
        first = self.problem is None
        self.problem = problem
        if self.on_relay is not None:
            self.on_relay(False, problem.said, problem.kind)
        if first:
            log.warning("delivery paused: relay problem (%s): %s", problem.kind, problem.said)
            self._resume.clear()
            self._prober = asyncio.create_task(self._probe_until_well(),
                                               name="linkdesk-relay-probe")

    def _next_wait(self, attempt: int) -> float:
        """How long before asking the relay again: soon for an outage, slowly for a problem
        of ours (a login, a certificate) that asking often would only make worse."""
        outage = self.problem is not None and self.problem.kind == UNREACHABLE
        waits = self.outage_waits if outage else self.probe_waits
        wait = waits[min(attempt, len(waits) - 1)]
        return wait * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 (not a secret)

    async def _probe_until_well(self) -> None:
        attempt = 0
        while not self._stopping:
            wait = self._next_wait(attempt)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._resume.wait(), wait)
            self._resume.clear()
            attempt += 1
            try:
                await self.sender.probe()
            except RelayProblem as problem:
                if problem.said != (self.problem.said if self.problem else None):
                    self._pause(problem)  # its words changed: say the new ones
                continue
            except Exception as exc:  # anything else: the relay's, and asked again later
                log.warning("relay probe failed: %s", exc)
                continue
            log.info("delivery resumed: the relay answers well again")
            self.problem = None
            self._prober = None
            if self.on_relay is not None:
                self.on_relay(True, "", None)
            self.wake()
            return

    async def _hand_back(self, jobs: list[OutboxJob]) -> None:
        """The relay stopped these before they were sent: queued again, as they were."""
        delay = RECORD_RETRY_S
        while True:
            try:
                await self.store.invitations.unclaim([job.outbox_id for job in jobs])
                return
            except Exception:
                if self._stopping:
                    raise  # the stop hands every claim back (Pipeline.stop), or the lease does
                log.exception("handing back unsent messages failed; trying again")
                await self.store.release()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _send_and_record(self, job: OutboxJob, recorded: list[asyncio.Future]
                               ) -> DeliveryResult | tuple[OutboxJob, RelayProblem]:
        """Send in a turn of the recorder's, which ends once the relay's answer is in the
        store (recorded with the answers that come about the same time): the connection
        sends nothing more meanwhile, so a crash sends again only what was on the wire, at
        most one message per connection, not the batch."""
        async with self.recorder.turn() as turn:
            outcome = await self._send(job, turn.take)
            if isinstance(outcome, DeliveryResult):
                recorded.append(turn.record(outcome))
        return outcome

    async def _send(self, job: OutboxJob, before_dot
                    ) -> DeliveryResult | tuple[OutboxJob, RelayProblem]:
        envelope_from = return_path(self.bounce_address, job.return_tag, job.envelope_from)
        try:
            answer = await self.sender.send_raw(envelope_from, job.envelope_to, job.raw,
                                                before_dot)
        except RelayProblem as problem:
            return job, problem
        except DeliveryError as exc:
            return DeliveryResult(job, error=exc.reason, permanent=exc.permanent)
        return DeliveryResult(job, answer=answer)
