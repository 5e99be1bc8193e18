"""What an outbox may hand out, for the mail outbox and the webhooks alike: rows due now, and
rows claimed by a process whose heartbeat stopped or whose lease ran out (at least once)."""

from __future__ import annotations

import datetime as dt

from store.models import PipelineProcess
from store.pipeline import STALE  # a process silent this long is gone: its claims are taken


def claimable(model, now: dt.datetime):
    """The condition on `model` (an outbox: state, next_attempt_at, claimed_until,
    claimed_by) of its rows that may be claimed at `now`."""
    gone = PipelineProcess.select(PipelineProcess.id).where(
        PipelineProcess.stopped_at.is_null(False) | (PipelineProcess.beat_at < now - STALE))
    return (((model.state == "queued") & (model.next_attempt_at <= now))
            | ((model.state == "sending")
               & ((model.claimed_until <= now) | model.claimed_by.in_(gone))))


def backoff(attempts: int, first: dt.timedelta, most: dt.timedelta) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: first, twice that, ... up to `most`."""
    return min(first * 2 ** max(0, min(attempts, 40) - 1), most)
