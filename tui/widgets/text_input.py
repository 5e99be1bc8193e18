"""A text field whose blinking cursor redraws its own cell, not the whole field, and that
shows the start of its text whenever it is not being typed in.

Textual's Input repaints its whole line at each blink, twice a second while it has focus: over
SSH 170 to 190 bytes a blink for the search box, where the cursor's cell is about 30. Every
field of the desk is a TextInput.

And a letter typed lays out nothing: Textual's Input sets its virtual size (its text's width)
at every key, and `virtual_size` lays out the whole screen when it changes, though a field's
size never depends on its text. In the client list that layout came between a search letter
and its rows (the rows' paint waited for it).
"""

from __future__ import annotations

from textual.geometry import Region, Size
from textual.reactive import Reactive, reactive
from textual.widgets import Input


class TextInput(Input):
    """An Input that repaints only the cursor's cell when the cursor blinks, and is read from
    its start when it has no focus.

    Textual's Input keeps the view where the cursor last was: a field tabbed through (focus
    selects it all, the cursor at its end) or refilled from elsewhere (the invite's subject
    when the language changes) showed the end of a long value and hid its start.
    """

    _cursor_visible = reactive(True, repaint=False)
    # The text's width: it scrolls the field, it never sizes it (Widget's lays out the screen).
    virtual_size = Reactive(Size(0, 0))

    def _watch__cursor_visible(self) -> None:
        if not self.is_mounted:
            return
        cell = self._position_to_cell(self.cursor_position) if self.value else 0
        x = cell - int(self.scroll_offset.x)
        if 0 <= x < self.scrollable_content_region.width:
            self.refresh(Region(x, 0, 2, 1))  # 2: a wide character under the cursor
        else:
            self.refresh()

    def watch_value(self) -> None:
        if not self.has_focus:  # put there from elsewhere, not typed: read from its start
            self.scroll_to(x=0, animate=False)

    def on_blur(self) -> None:
        # The view only: the cursor stays where it was for when the preparer comes back
        # (from a dialog, another window) and types on.
        self.scroll_to(x=0, animate=False)

    def on_focus(self) -> None:
        cell = self._position_to_cell(self.cursor_position)
        self.scroll_to_region(Region(cell, 0, 1, 1), force=True, animate=False)
