"""A text field that shows the start of its text whenever it is not being typed in, and whose
cursor blinks without redrawing the whole field (tui/textual_patches/quiet_blink.py). Every
field of the desk is a TextInput.
"""

from __future__ import annotations

from textual.geometry import Region

from tui.textual_patches.quiet_blink import QuietBlinkInput, cursor_cell


class TextInput(QuietBlinkInput):
    """An Input read from its start when it has no focus.

    Textual's Input keeps the view where the cursor last was: a field tabbed through (focus
    selects it all, the cursor at its end) or refilled from elsewhere (the invite's subject
    when the language changes) showed the end of a long value and hid its start.
    """

    def watch_value(self) -> None:
        if not self.has_focus:  # put there from elsewhere, not typed: read from its start
            self.scroll_to(x=0, animate=False)

    def on_blur(self) -> None:
        # The view only: the cursor stays where it was for when the preparer comes back
        # (from a dialog, another window) and types on.
        self.scroll_to(x=0, animate=False)

    def on_focus(self) -> None:
        cell = cursor_cell(self)
        self.scroll_to_region(Region(cell, 0, 1, 1), force=True, animate=False)
