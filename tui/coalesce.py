"""Many change notices, few redraws: one redraw per window, the last notice always drawn.

A thousand bounces a minute must not redraw a list a thousand times a minute. The client list
and every live screen share this one rule: the first notice after a quiet spell redraws at
once (or after the window, for screens where a moment's delay costs nothing), later ones
within the window are drawn together at its end, and a redraw may be put off a little more
while something the preparer asked for is still reading.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.dom import DOMNode
from textual.timer import Timer

WINDOW_S = 0.25


class Coalesced:
    """Calls `redraw` for a burst of `poke()`s at most once per `window_s`, on `node`'s timers."""

    def __init__(self, node: DOMNode, redraw: Callable[[], object], *,
                 window_s: float = WINDOW_S, at_once: bool = False,
                 hold: Callable[[], float] = lambda: 0.0) -> None:
        self.node = node
        self.redraw = redraw
        self.window_s = window_s
        self.at_once = at_once  # the first notice after a quiet spell redraws without waiting
        self.hold = hold  # a short wait while the node's own reading (a key's) still runs
        self._timer: Timer | None = None
        self._last_at = -window_s  # when the last redraw ran (monotonic)

    def poke(self) -> None:
        """Something changed: redraw now, or once the window (and any hold) is over."""
        if not self.node.is_mounted or self._timer is not None:
            return  # not drawn yet (its first load comes), or a redraw is due already
        if self.at_once:
            wait = max(self._last_at + self.window_s - time.monotonic(), self.hold())
        else:
            wait = self.window_s
        if wait > 0:
            self._timer = self.node.set_timer(wait, self._due)
        else:
            self._run()

    def _due(self) -> None:
        self._timer = None
        if not self.node.is_mounted:
            return
        wait = self.hold()
        if wait:
            self._timer = self.node.set_timer(wait, self._due)
            return
        self._run()

    def _run(self) -> None:
        self._last_at = time.monotonic()
        self.redraw()
