"""A held key paints at a pace a slow link carries; a single key, and the last repeat, at once."""

from __future__ import annotations

import itertools

from tui.held_keys import FRAME_S, HELD_AFTER, REPEAT_GAP_S, HeldKeys


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_single_key_and_keys_that_differ_paint_at_once():
    clock = Clock()
    keys = HeldKeys(clock)
    keys.note("down")
    assert not keys.paint_may_wait()
    keys.painted()
    for key in "marieee":  # typed quickly; a letter typed again is not a held key
        clock.now += 0.01
        keys.note(key)
        assert not keys.paint_may_wait()


def test_a_held_key_paints_every_frame_then_its_last_repeat_at_once():
    clock = Clock()
    keys = HeldKeys(clock)
    painted_at = []
    for _ in range(30):  # a keyboard's repeat: every 33 ms
        keys.note("down")
        for _tick in range(2):  # the screen's 60 Hz timer, twice between repeats
            if not keys.paint_may_wait():
                keys.painted()
                painted_at.append(clock.now)
            clock.now += 1 / 60
    before_held = 2 * (HELD_AFTER + 1)  # every tick, until the key counts as held
    assert len(painted_at) <= before_held + 1 / FRAME_S + 1  # about 12 a second, not 60
    held = painted_at[before_held:]
    assert len(held) >= 5
    assert all(b - a >= FRAME_S - 1e-9 for a, b in itertools.pairwise(held))
    clock.now += REPEAT_GAP_S + 0.001  # the key let go: the next tick paints
    assert not keys.paint_may_wait()
