"""A DataTable of records, one per row, where Home and End go to the first and last row, as
they do in the client list (DataTable's own Home/End scroll sideways)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable

from tui.textual_patches.quiet_scrollbar import QuietScrollbars


class RowTable(QuietScrollbars, DataTable):
    """A row-cursor, zebra-striped table whose Home/End move to the first/last row."""

    BINDINGS = [
        Binding("home", "scroll_top", show=False),
        Binding("end", "scroll_bottom", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
