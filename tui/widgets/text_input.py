"""A text field whose blinking cursor redraws its own cell, not the whole field.

Textual's Input repaints its whole line at each blink, twice a second while it has focus: over
SSH 170 to 190 bytes a blink for the search box, where the cursor's cell is about 30. Every
field of the desk is a TextInput.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.reactive import reactive
from textual.widgets import Input


class TextInput(Input):
    """An Input that repaints only the cursor's cell when the cursor blinks."""

    _cursor_visible = reactive(True, repaint=False)

    def _watch__cursor_visible(self) -> None:
        if not self.is_mounted:
            return
        cell = self._position_to_cell(self.cursor_position) if self.value else 0
        x = cell - int(self.scroll_offset.x)
        if 0 <= x < self.scrollable_content_region.width:
            self.refresh(Region(x, 0, 2, 1))  # 2: a wide character under the cursor
        else:
            self.refresh()
