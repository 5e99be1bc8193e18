"""Keys act in the order typed: each key is handled to its end before the next is forwarded.

Over SSH a whole line can arrive in one read. Textual forwards every key to the widget focused
*when the App reads it*, and a binding runs only when the key has bubbled back up to the App,
so in "/tremblay" the letters were already on their way to the list (as commands) before `/`
moved the focus to the search box. The same for a key that opens a screen (the keys after it
went to the screen below), or one whose binding starts a worker that reads the database and
then opens a dialog, or moves the cursor onto a page still being read.

`KeyOrder` makes the App hold every key read while an earlier one is "in hand", and forward
the next only when the one in hand is done:

- its handling is over: every widget it bubbled through has handled it, and the App has run its
  binding (followed hop by hop with probes posted behind it in each widget's queue);
- every worker its binding started has finished, or has opened a screen;
- every screen it opened has composed and taken its focus.

Keys that must never wait (quit) are handled at once. A key whose handling went nowhere (its
widget was removed meanwhile) is let go after `STUCK_S`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from textual import events
from textual.worker import Worker
from textual.worker_manager import WorkerManager

from tui.held_keys import HeldKeys

# Private names (each with its signature on the pinned Textual; None: an attribute). Figure:
# "/tremblay" in one SSH read searches for "tremblay" instead of running nine commands on the
# list (tests/test_tui_key_order.py). Upstream: Textual forwards each key to the widget
# focused when the App reads it; a per-App "serialize input" mode that waits for a key's
# handling (and the screens and workers it starts) before forwarding the next would replace
# this; to propose (related: Textualize/textual discussions on type-ahead over slow links).
PRIVATE_NAMES = {
    "textual.events.Key._bubble_to": "(self, widget: 'MessagePump') -> 'None'",
    "textual.worker_manager.WorkerManager._new_worker": (
        "(self, work: 'WorkType', node: 'DOMNode', *, name: 'str | None' = '', group: 'str' = "
        "'default', description: 'str' = '', exit_on_error: 'bool' = True, start: 'bool' = "
        "True, exclusive: 'bool' = False, thread: 'bool' = False) -> 'Worker'"),
    "textual.app.App._workers": None,
    "textual.widget.Widget._parent": None,
    "textual.message.Message._sender": None,
}

URGENT_KEYS = frozenset({"ctrl+q"})
STUCK_S = 2.0  # a hop that never answers (its widget went away): let the key go


class TrackedKey(events.Key):
    """A key from the terminal that remembers the widgets it bubbled to."""

    __slots__ = ["path"]

    def __init__(self, key: str, character: str | None) -> None:
        super().__init__(key, character)
        self.path: list[Any] = []

    def _bubble_to(self, widget) -> None:
        self.path.append(widget)
        super()._bubble_to(widget)


TrackedKey.handler_name = events.Key.handler_name  # every on_key handler sees it as a Key


class _KeyInHand:
    """What the key being handled still waits for before the next key may go."""

    def __init__(self, key: TrackedKey) -> None:
        self.key = key
        self.handling = True
        self.workers: set[Worker] = set()
        self.screens: set[Any] = set()
        self.capturing: asyncio.Task | None = None  # workers this task starts belong to the key

    @property
    def done(self) -> bool:
        return not (self.handling or self.workers or self.screens)


class _KeyWorkers(WorkerManager):
    """The App's worker manager, telling the key in hand about the workers its binding starts."""

    def __init__(self, app, on_new) -> None:
        super().__init__(app)
        self._on_new = on_new

    def _new_worker(self, *args, **kwargs) -> Worker:
        worker = super()._new_worker(*args, **kwargs)
        self._on_new(worker)
        return worker


class KeyOrder:
    """Part of PatchedApp (tui/textual_patches/app.py): one key at a time, each taking full
    effect before the next is handled."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._keys_waiting: deque[events.Key] = deque()
        self._key_in_hand: _KeyInHand | None = None
        self._workers = _KeyWorkers(self, self._worker_started)
        self.held_keys = HeldKeys()  # a held key is drawn at a pace the link can carry

    @property
    def keys_pending(self) -> bool:
        """A key is being handled or waits its turn (what a test waits out before it looks)."""
        return self._key_in_hand is not None or bool(self._keys_waiting)

    # -- intake -----------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not self.screen_stack:
            # The screens are closed (the app is shutting down; a test's run_test closes them
            # while the App still reads its queue): a key still on its way has nowhere to go.
            self._key_in_hand = None
            self._keys_waiting.clear()
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.held_keys.note(event.key)
            if (self._key_in_hand or self._keys_waiting) and event.key not in URGENT_KEYS:
                self._keys_waiting.append(event)
                return
            await self._take(event)
            return
        if isinstance(event, TrackedKey):  # it bubbled all the way back: the App's bindings
            hand = self._key_in_hand
            if hand is not None and hand.key is event:
                hand.capturing = asyncio.current_task()
                try:
                    await super().on_event(event)
                finally:
                    hand.capturing = None
                self._handled(hand)
                return
        await super().on_event(event)

    async def _take(self, event: events.Key) -> None:
        key = TrackedKey(event.key, event.character)
        key.time = event.time
        key.set_sender(event._sender or self)
        hand = self._key_in_hand = _KeyInHand(key)
        target = self.focused or self.screen
        self.set_timer(STUCK_S, lambda: self._stuck(hand))
        hand.capturing = asyncio.current_task()
        try:
            await super().on_event(key)  # priority bindings run here; otherwise it is forwarded
        finally:
            hand.capturing = None
        if key.is_forwarded:
            target.call_later(self._probe, hand, target)
        else:
            self._handled(hand)

    # -- following the key in hand ----------------------------------------------------------------

    def _probe(self, hand: _KeyInHand, node) -> None:
        """Runs in `node`'s queue just after `node` handled the key: where did it go next?"""
        if hand is not self._key_in_hand or not hand.handling:
            return
        parent = node._parent
        if parent is not None and parent in hand.key.path:
            if parent is not self:  # the App calls _handled itself once its bindings ran
                parent.call_later(self._probe, hand, parent)
            return
        self._handled(hand)

    def _handled(self, hand: _KeyInHand) -> None:
        hand.handling = False
        self._maybe_next(hand)

    def _stuck(self, hand: _KeyInHand) -> None:
        """A widget or screen went away before it answered: stop waiting for it (not workers)."""
        if hand is self._key_in_hand and (hand.handling or hand.screens):
            hand.screens.clear()
            self._handled(hand)

    def _worker_started(self, worker: Worker) -> None:
        hand = self._key_in_hand
        if hand is None or worker.group == "key-order":
            return
        # A screen this key opened loads its rows on mount, in its own task: the next key
        # waits for that first load too (else it acts on an empty list), but never longer
        # than STUCK_S, in case what the screen started is a loop that runs for good.
        opening = worker.node in hand.screens
        if hand.capturing is not asyncio.current_task() and not opening:
            return  # started by something else meanwhile (a dialog's result, a refresh)
        hand.workers.add(worker)
        self.run_worker(self._watch_worker(hand, worker, STUCK_S if opening else None),
                        group="key-order", exit_on_error=False)

    async def _watch_worker(self, hand: _KeyInHand, worker: Worker,
                            limit: float | None = None) -> None:
        try:
            await asyncio.wait_for(worker.wait(), limit)
        except Exception:  # noqa: S110 - failed, cancelled or past its limit: over for the key
            pass
        hand.workers.discard(worker)
        self._maybe_next(hand)

    def _screen_opened(self, screen) -> None:
        """A screen was pushed: the key in hand waits for it, not for the worker that opened it."""
        hand = self._key_in_hand
        if hand is None:
            return
        hand.workers.clear()
        hand.screens.add(screen)
        screen.call_later(self._screen_ready, hand, screen)

    def _screen_ready(self, hand: _KeyInHand, screen) -> None:
        # The screen composed and mounted; a focus it asked for on mount is queued on the App
        # ahead of this call.
        self.call_later(self._screen_focused, hand, screen)

    def _screen_focused(self, hand: _KeyInHand, screen) -> None:
        hand.screens.discard(screen)
        self._maybe_next(hand)

    def _maybe_next(self, hand: _KeyInHand) -> None:
        if hand is self._key_in_hand and hand.done:
            self._key_in_hand = None
            if self._keys_waiting:
                self.call_later(self._next_key)

    async def _next_key(self) -> None:
        if self._key_in_hand is None and self._keys_waiting:
            await self._take(self._keys_waiting.popleft())

    # -- screens: PatchedApp's push_screen and switch_screen call _screen_opened ------------
