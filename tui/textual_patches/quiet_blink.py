"""A text field whose blinking cursor redraws its own cell, not the whole field.

Private names: Input's `_cursor_visible` reactive (declared again here without repaint, and
watched) and `Input._position_to_cell` (the cell a cursor position is drawn in).
Why: Textual's Input repaints its whole line at each blink, twice a second while it has focus:
over SSH 170 to 190 bytes a blink for the search box, where the cursor's cell is about 30.
Upstream: Input could refresh the cursor's region alone when it blinks (as TextArea does for
its cursor line); and `position_to_cell` could be public, as TextArea's `wrapped_document`
helpers are. Not proposed yet.
"""

from __future__ import annotations

from textual.geometry import Region
from textual.reactive import reactive
from textual.widgets import Input

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.widgets.Input._cursor_visible": None,
    "textual.widgets.Input._position_to_cell": "(self, position: 'int') -> 'int'",
}


def cursor_cell(field: Input) -> int:
    """The cell (from the text's start) where `field`'s cursor is drawn."""
    return field._position_to_cell(field.cursor_position)


class QuietBlinkInput(Input):
    """An Input that repaints only the cursor's cell when the cursor blinks."""

    _cursor_visible = reactive(True, repaint=False)

    def _watch__cursor_visible(self) -> None:
        if not self.is_mounted:
            return
        cell = cursor_cell(self) if self.value else 0
        x = cell - int(self.scroll_offset.x)
        if 0 <= x < self.scrollable_content_region.width:
            self.refresh(Region(x, 0, 2, 1))  # 2: a wide character under the cursor
        else:
            self.refresh()
