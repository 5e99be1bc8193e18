"""A text cursor that stops blinking once the preparer stops typing.

A blinking cursor redraws its field twice a second for as long as the field has focus: 287 to
382 bytes a second over SSH, over 1 MB an hour on a sign-in screen left open, and a slow link
pays for every one. It blinks again at the next key or click.
"""

from __future__ import annotations

import time

from textual import events
from textual.widgets import Input, TextArea

BLINK_FOR_S = 5.0  # after the last key or click
CHECK_EVERY_S = 1.0  # a look at the clock, nothing drawn


class IdleCursor:
    """App mixin: call `start_idle_cursor()` once mounted."""

    _last_input_at = 0.0

    def start_idle_cursor(self) -> None:
        self._last_input_at = time.monotonic()
        self.set_interval(CHECK_EVERY_S, self._still_when_idle, name="idle-cursor")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._last_input_at = time.monotonic()
            self._blinking(True)
        await super().on_event(event)

    def _still_when_idle(self) -> None:
        if time.monotonic() - self._last_input_at >= BLINK_FOR_S:
            self._blinking(False)

    def _blinking(self, on: bool) -> None:
        focused = self.focused
        if isinstance(focused, Input | TextArea) and focused.cursor_blink != on:
            focused.cursor_blink = on
