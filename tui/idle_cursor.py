"""A text cursor that stops blinking once the preparer stops typing.

A blinking cursor redraws its field twice a second for as long as the field has focus: 287 to
382 bytes a second over SSH, over 1 MB an hour on a sign-in screen left open, and a slow link
pays for every one. It blinks again at the next key or click.
"""

from __future__ import annotations

import sys
import time

from textual import events
from textual.app import ScreenStackError
from textual.widgets import Input

BLINK_FOR_S = 5.0  # after the last key or click
CHECK_EVERY_S = 1.0  # a look at the clock, nothing drawn


class IdleCursor:
    """Follows the app's keys and clicks; `start()` once the app is mounted."""

    def __init__(self, app) -> None:
        self.app = app
        self._last_input_at = 0.0

    def start(self) -> None:
        self._last_input_at = time.monotonic()
        # Every message the App handled (public: MessagePump.message_signal), at once.
        self.app.message_signal.subscribe(self.app, self._seen, immediate=True)
        self.app.set_interval(CHECK_EVERY_S, self._still_when_idle, name="idle-cursor")

    def _seen(self, message) -> None:
        if isinstance(message, events.Key | events.MouseDown):
            self._last_input_at = time.monotonic()
            self._blinking(True)

    def _still_when_idle(self) -> None:
        if time.monotonic() - self._last_input_at >= BLINK_FOR_S:
            self._blinking(False)

    def _blinking(self, on: bool) -> None:
        try:
            focused = self.app.focused
        except ScreenStackError:  # a key that arrives while the app shuts down
            return
        # TextArea is not imported for this (~10 ms before the first frame): a focused one
        # means its module is loaded.
        text_area = sys.modules.get("textual.widgets._text_area")
        kinds = (Input,) if text_area is None else (Input, text_area.TextArea)
        if isinstance(focused, kinds) and focused.cursor_blink != on:
            focused.cursor_blink = on
