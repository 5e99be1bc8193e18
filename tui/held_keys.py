"""A key held down is drawn at a pace a slow link can carry: what the last repeat asks for,
not every step of the way (a letter typed twice, even quickly, is not a held key).

A held arrow repeats about 30 times a second, and each step that scrolls the list redraws its
rows (about 2 KB at 80x24). On a 256 kbit/s SSH link (32 KB a second) the steps queued up in
the network: 30 arrow-downs drew 38 KB and the screen came right 0.6 s after the last key
(bench/slow_link.py). While a key repeats, the screen paints at most every FRAME_S; a single
key, and the last of a held one, paint at once.
"""

from __future__ import annotations

import time

REPEAT_GAP_S = 0.06  # the same key again within this: a repeat (a keyboard repeats in 33 ms)
HELD_AFTER = 3  # this many repeats in a row: the key is held (a typed "ee" or "zz" is not)
FRAME_S = 0.08  # while a key is held, a paint at most this often (12 a second, ~25 KB/s)


class HeldKeys:
    """When the last keys came, and whether the one coming now is a repeat of the last."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self._last: tuple[str, float] | None = None
        self._repeats = 0  # the same key again, each within REPEAT_GAP_S of the one before
        self._painted = 0.0

    def note(self, key: str) -> None:
        """A key arrived (before it is handled)."""
        now = self.clock()
        last = self._last
        if last is not None and last[0] == key and now - last[1] <= REPEAT_GAP_S:
            self._repeats += 1
        else:
            self._repeats = 0
        self._last = (key, now)

    def paint_may_wait(self) -> bool:
        """True while a key is held and the screen painted less than FRAME_S ago: this paint
        waits for the next frame, which takes in every change since."""
        now = self.clock()
        last = self._last
        held = (self._repeats >= HELD_AFTER and last is not None
                and now - last[1] <= REPEAT_GAP_S)
        return held and now - self._painted < FRAME_S

    def painted(self) -> None:
        self._painted = self.clock()


def paint_may_wait(app) -> bool:
    """The app's HeldKeys says this paint may wait (an app without one, such as a test's bare
    App, paints at once)."""
    keys = getattr(app, "held_keys", None)
    return keys is not None and keys.paint_may_wait()


def painted(app) -> None:
    keys = getattr(app, "held_keys", None)
    if keys is not None:
        keys.painted()
