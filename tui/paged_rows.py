"""A screen's list read a page at a time: the next page is read as the cursor nears the end,
and a reload keeps as many rows as were shown, so the preparer's place is kept.

The bills and the invoices lists are PagedScreens; a screen says how to read a page after a row
(`fetch_page`) and how to show rows (`show_rows`), and finds its table by `TABLE`. Both follow
the store's changes (a LiveScreen).
"""

from __future__ import annotations

from textual import work
from textual.widgets import DataTable

from tui.live import LiveScreen

PAGE = 100
NEAR_END = 10  # rows before the end at which the next page is read


class PagedScreen(LiveScreen):
    """A live screen of one DataTable of rows that each have an `id`, read by keyset paging."""

    TABLE = "DataTable"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows: list = []
        self.complete = False

    async def fetch_page(self, after, limit: int) -> list:  # pragma: no cover - per screen
        """`limit` rows after `after` (None: from the top)."""
        raise NotImplementedError

    def show_rows(self, rows: list) -> None:  # pragma: no cover - per screen
        """Add `rows` to the end of the table."""
        raise NotImplementedError

    @property
    def paged_table(self) -> DataTable:
        return self.query_one(self.TABLE, DataTable)

    async def refill(self, select_id: int | None = None) -> None:
        """Read again from the top as many rows as are shown (a page at least)."""
        shown = max(PAGE, len(self.rows))
        rows = await self.fetch_page(None, shown)
        self.rows, self.complete = rows, len(rows) < shown
        table = self.paged_table
        keep = table.cursor_row if select_id is None else None
        table.clear()
        self.show_rows(rows)
        ids = [r.id for r in rows]
        if select_id is not None and select_id in ids:
            table.move_cursor(row=ids.index(select_id))
        elif keep and rows:
            table.move_cursor(row=min(keep, len(rows) - 1))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.complete and event.cursor_row >= len(self.rows) - NEAR_END:
            self.more_rows()

    @work(exclusive=True, group="paged-rows-more")
    async def more_rows(self) -> None:
        if self.complete or not self.rows:
            return
        page = await self.fetch_page(self.rows[-1], PAGE)
        self.complete = len(page) < PAGE
        self.rows += page
        self.show_rows(page)

    def current(self):
        """The row under the cursor, or None."""
        table = self.paged_table
        if not self.rows or table.cursor_row is None or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]
