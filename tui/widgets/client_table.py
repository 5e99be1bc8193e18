"""A client table that pages rows from the store, so 100,000 clients cost one screenful."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from linkdesk.i18n import N_, _, current_language
from linkdesk.labels import kind_label, kind_short_label, status_label, status_short_label
from store.clients import ClientRow
from store.text import clean_text
from store.validate import format_phone
from tui.textual_patches.quiet_scrollbar import QuietScrollbars, update_scrollbars

PageFetcher = Callable[[int, int], Awaitable[list[ClientRow]]]
AllIds = Callable[[], Awaitable[list[int]]]
PAGE = 100


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    min_width: int
    flex: int  # share of the width left over once every column has its minimum


NARROW = 100  # below this many cells the kind column uses short labels


def columns(width: int = NARROW) -> list[Column]:
    return [
        Column("name", _("Name"), 16, 4),
        Column("kind", _("Kind"), 12 if width >= NARROW else 5, 0),
        Column("email", _("Email"), 16, 3),
        Column("phone", _("Phone"), 14, 0),
        Column("status", _("Status"), 19, 1),
    ]


def layout(cols: list[Column], width: int) -> list[int]:
    """Widths of `cols` in `width` cells, one space between columns."""
    gaps = len(cols) - 1
    widths = [c.min_width for c in cols]
    spare = width - sum(widths) - gaps
    flex = sum(c.flex for c in cols)
    if spare > 0 and flex:
        for i, c in enumerate(cols):
            widths[i] += spare * c.flex // flex
        widths[0] += width - sum(widths) - gaps
    elif spare < 0:
        # Narrow terminal: shrink the flexible columns, least important (email) first, never
        # below 4 cells.
        for i, c in sorted(enumerate(cols), key=lambda ic: ic[1].flex):
            if c.flex and spare < 0:
                cut = min(widths[i] - 4, -spare)
                widths[i] -= cut
                spare += cut
    return widths


class ClientTable(QuietScrollbars, ScrollView, can_focus=True):
    """Rows of the current query, fetched a page at a time as they scroll into view."""

    COMPONENT_CLASSES = {
        "client-table--header",
        "client-table--cursor",
        "client-table--cursor-blurred",
        "client-table--placeholder",
        "client-table--inactive",
        "client-table--selected",
    }
    DEFAULT_CSS = """
    ClientTable { overflow-x: hidden; }
    ClientTable > .client-table--header { text-style: bold; }
    ClientTable > .client-table--cursor { background: $primary; color: $text; text-style: bold; }
    ClientTable > .client-table--cursor-blurred { background: $primary 40%; }
    ClientTable > .client-table--placeholder { color: $text-muted; }
    ClientTable > .client-table--inactive { color: $text-muted; text-style: italic; }
    ClientTable > .client-table--selected { text-style: bold; color: $warning; }
    """
    BINDINGS = [
        Binding("up", "cursor(-1)", show=False),
        Binding("down", "cursor(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "edge(0)", show=False),
        Binding("end", "edge(1)", show=False),
        Binding("enter", "select", show=False),
        # The selection is the table's: its keys, its set, its messages.
        Binding("space", "toggle_selected", N_("Select"), id="select",
                tooltip=N_("Select the client for a bulk invitation, or unselect it")),
        Binding("asterisk", "select_all", N_("Select all"), id="select-all", key_display="*",
                tooltip=N_("Select every client the list shows, or none")),
    ]

    class Highlighted(Message):
        """The cursor moved to another client (None when the list is empty)."""

        def __init__(self, row: ClientRow | None) -> None:
            super().__init__()
            self.row = row

    class SelectionChanged(Message):
        """Clients were selected or unselected (`selected` holds them now)."""

    class SortRequested(Message):
        """A column title was clicked."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(self, fetch: PageFetcher, **kwargs) -> None:
        super().__init__(**kwargs)
        self._fetch = fetch
        self._columns = columns()
        self.total = 0
        self.cursor = 0
        self.sort = "name"
        self.descending = False
        self.phone_region = "CA"
        self._rows: dict[int, ClientRow] = {}
        # (row, is cursor, is selected, width) → strip
        self._lines: dict[tuple[int, bool, bool, int], Strip] = {}
        self.selected: set[int] = set()  # client ids chosen for a bulk action
        self._all_ids: AllIds | None = None
        self._loading: set[int] = set()
        self._generation = 0
        self.loads = 0  # first pages shown so far: tests and benches wait on it
        self.moves = 0  # cursor moves by the preparer (a refresh must not undo them)
        self.empty_message = ""

    # -- data ---------------------------------------------------------------------------------

    def show(
        self, total: int, first: list[ClientRow], *, offset: int = 0, cursor: int = 0
    ) -> None:
        """Replace the list: `total` rows, of which `first` start at `offset`."""
        self._generation += 1
        self.total = total
        self._rows = {offset + i: row for i, row in enumerate(first)}
        self._lines.clear()
        self._loading.clear()
        self._set_virtual_size(Size(self.size.width, total + 1))
        self.cursor = max(0, min(cursor, total - 1))
        self._scroll_to_cursor(center=True)
        self.loads += 1
        self._refresh_lines()
        self.post_message(self.Highlighted(self.current))

    def set_total(self, total: int) -> None:
        """The exact row count, once counted: fixes the scrollbar, keeps rows and cursor."""
        if total == self.total:
            return
        old, self.total = self.total, total
        self._set_virtual_size(Size(self.size.width, total + 1))
        # Only the lines between the two totals change (a row's placeholder or a blank): the
        # rows on screen were drawn by show() a moment ago, and over SSH a whole table is
        # 2.6 KB for each letter typed in the search.
        low, high = sorted((old, total))
        top = int(self.scroll_y)
        for index in range(max(low, top), min(high, top + self._body_height)):
            self._refresh_row(index)

    def _set_virtual_size(self, size: Size) -> None:
        """Not `self.virtual_size = ...`: that reactive lays out and repaints the whole widget,
        its scrollbar included; the scrollbar is told the new size and redraws if it changes."""
        if size != self.virtual_size:
            self.set_reactive(ScrollView.virtual_size, size)
            update_scrollbars(self, size)

    def set_fetcher(self, fetch: PageFetcher) -> None:
        self._fetch = fetch

    def set_selected(self, ids: set[int]) -> None:
        """Mark these clients as chosen (a bulk action applies to them)."""
        self.selected = set(ids)
        self._lines.clear()
        self._refresh_lines()
        self.post_message(self.SelectionChanged())

    def action_toggle_selected(self) -> None:
        """Select the client on the cursor, or unselect it, and go to the next."""
        row = self.current
        if row is None:
            return
        self.set_selected(self.selected ^ {row.id})
        self.action_cursor(1)

    def set_all_ids(self, all_ids: AllIds) -> None:
        """How to read every client the list shows (its screen's query), for `*`."""
        self._all_ids = all_ids

    @work(exclusive=True, group="select-all")
    async def action_select_all(self) -> None:
        """Every client the list shows selected, or none if they all were already. A worker
        of the key's own (the next key of a burst waits for it: "*" then "i" invites all)."""
        if self._all_ids is None:
            return
        ids = set(await self._all_ids())
        self.set_selected(set() if ids and ids <= self.selected else ids)

    def loaded_rows(self) -> list[ClientRow]:
        """The rows fetched so far, in list order (the pages not yet fetched are not there)."""
        return [self._rows[index] for index in sorted(self._rows)]

    @property
    def current(self) -> ClientRow | None:
        return self._rows.get(self.cursor)

    def _request(self, index: int) -> None:
        page = index // PAGE
        if page in self._loading:
            return
        self._loading.add(page)
        self.run_worker(self._load(page, self._generation), group="client-table-pages")

    async def _load(self, page: int, generation: int) -> None:
        rows = await self._fetch(page * PAGE, PAGE)
        if generation != self._generation:
            return
        for i, row in enumerate(rows):
            self._rows[page * PAGE + i] = row
        self._loading.discard(page)
        self._refresh_lines()
        if page * PAGE <= self.cursor < (page + 1) * PAGE:
            self.post_message(self.Highlighted(self.current))

    # -- cursor ---------------------------------------------------------------------------------

    @property
    def _body_height(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def move_to(self, index: int) -> None:
        if not self.total:
            return
        index = max(0, min(index, self.total - 1))
        if index == self.cursor:
            return
        before, top = self.cursor, int(self.scroll_y)
        self.cursor = index
        self.moves += 1
        self._scroll_to_cursor()
        if int(self.scroll_y) == top:
            # Only the two rows that changed: over SSH a whole table is 2.6 KB, two rows a
            # tenth of it, and a held arrow sends one of these per step.
            self._refresh_row(before)
            self._refresh_row(index)
        else:
            self._refresh_lines()
        if self.current is None:
            self._request(index)
        self.post_message(self.Highlighted(self.current))

    def _refresh_row(self, index: int) -> None:
        """Redraw the line of row `index`, if it is on screen (line 0 is the header)."""
        y = index - int(self.scroll_y) + 1
        if 1 <= y <= self._body_height:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """ScrollView's, but the rows are redrawn without the scrollbar beside them."""
        if self.show_vertical_scrollbar:
            self.vertical_scrollbar.position = new_value
        if round(old_value) != round(new_value):
            self._refresh_lines()

    def _refresh_lines(self) -> None:
        """Redraw the header and every row, not the scrollbar beside them: it redraws itself
        when it changes (a QuietScrollBar), and over SSH it is a quarter of the table."""
        self.refresh(Region(0, 0, *self.scrollable_content_region.size))

    def _scroll_to_cursor(self, center: bool = False) -> None:
        top = int(self.scroll_y)
        height = self._body_height
        if center and not top <= self.cursor < top + height:
            target = self.cursor - height // 2
        elif self.cursor < top:
            target = self.cursor
        elif self.cursor >= top + height:
            target = self.cursor - height + 1
        else:
            return
        self.scroll_to(y=max(0, target), animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * self._body_height)

    def action_edge(self, end: int) -> None:
        self.move_to(self.total - 1 if end else 0)

    def action_select(self) -> None:
        self.post_message(self.Highlighted(self.current))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = 0
            for col, width in zip(self._columns, self._widths(), strict=True):
                if x <= event.x < x + width + 1:
                    self.post_message(self.SortRequested(col.key))
                    return
                x += width + 1
            return
        self.move_to(int(self.scroll_y) + event.y - 1)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)
        self._lines.clear()

    # Focus in or out changes the cursor row only (its colour): Textual's own handlers repaint
    # the whole table, 2.6 KB over SSH each time the search box takes the keys or gives them
    # back. These run first (the most derived class) and prevent Widget's: they do its work
    # (has_focus, the parent told) and redraw that one row.
    def on_focus(self, event: events.Focus) -> None:
        self._focus_moved(event, True, events.DescendantFocus)

    def on_blur(self, event: events.Blur) -> None:
        self._focus_moved(event, False, events.DescendantBlur)

    def _focus_moved(self, event, focused: bool, tell_parent) -> None:
        event.prevent_default()
        self.has_focus = focused
        self._lines.clear()
        self._refresh_row(self.cursor)
        if self.parent is not None:
            self.parent.post_message(tell_parent(self))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()

    # -- drawing --------------------------------------------------------------------------------

    def _widths(self) -> list[int]:
        width = self.scrollable_content_region.width
        self._columns = _columns_cached(width >= NARROW, current_language())
        return _layout_cached(tuple(self._columns), width)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width, base)
        index = int(self.scroll_y) + y - 1
        if index >= self.total:
            if self.total == 0 and y == 1:
                text = Text(self.empty_message or _("No clients match."),
                            style=self.get_component_rich_style("client-table--placeholder"))
                return _strip(text, width, base, self.app.console)
            return Strip.blank(width, base)
        row = self._rows.get(index)
        if row is None:
            self._request(index)
            style = self.get_component_rich_style("client-table--placeholder")
            return _strip(Text("…", style=style), width, base, self.app.console)
        key = (index, index == self.cursor, row.id in self.selected, width)
        line = self._lines.get(key)
        if line is None:
            if len(self._lines) > 4 * PAGE:
                self._lines.clear()
            line = self._lines[key] = self._row_line(row, index, width, base)
        return line

    def _row_line(self, row: ClientRow, index: int, width: int, base: Style) -> Strip:
        style = base
        if not row.active:
            style = style + self.get_component_rich_style("client-table--inactive")
        chosen = row.id in self.selected
        widths = self._widths()
        if chosen:
            style = style + self.get_component_rich_style("client-table--selected")
        if index == self.cursor:
            # Not a `:focus` rule: a style that changes with focus repaints the whole table.
            style = style + self.get_component_rich_style(
                "client-table--cursor" if self.has_focus else "client-table--cursor-blurred")
        cells = [
            ("✓ " if chosen else "") + row.display_name,
            kind_label(row.kind) if self._columns[1].min_width >= 12 else kind_short_label(
                row.kind),
            row.email,
            _phone(row.phone, self.phone_region),
            _status_cell(row, widths[-1]),
        ]
        return _cells(cells, widths, style, width)

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self.get_component_rich_style("client-table--header")
        titles = []
        for col in self._columns:
            arrow = ("▼" if self.descending else "▲") if col.key == self.sort else ""
            titles.append(f"{col.title} {arrow}".rstrip())
        return _cells(titles, self._widths(), style, width)


def _status_cell(row: ClientRow, width: int) -> str:
    """The status in whole words when they fit the column, else in short ones ("En attente"
    rather than "Invitation en atte…" at 80 columns in French)."""
    if not row.active:
        return _("Inactive")
    labels = [status_label(row.status), status_short_label(row.status)]
    if row.reminders_stopped and row.status == "pending":  # the client stopped them
        labels = [_("{status}, no reminders").format(status=label) for label in labels] + labels
    return next((label for label in labels if len(label) <= width), labels[-1])


@lru_cache(maxsize=4)
def _columns_cached(wide: bool, language: str) -> list[Column]:
    """The columns, their titles in `language` (the current one: it is part of the key)."""
    return columns(NARROW if wide else 0)


@lru_cache(maxsize=64)
def _layout_cached(cols: tuple[Column, ...], width: int) -> list[int]:
    return layout(list(cols), width)


@lru_cache(maxsize=8192)
def _phone(e164: str | None, region: str) -> str:
    return format_phone(e164, region)


def _cells(values: list[str], widths: list[int], style: Style, width: int) -> Strip:
    """One line of cells, each cut to its width with an ellipsis; the values are never markup.

    Built as segments directly (no rich Text, no markup parsing): this runs for every visible
    row on every keystroke of a search.
    """
    parts = []
    for value, cell_width in zip(values, widths, strict=True):
        value = clean_text(value)
        if cell_len(value) > cell_width:
            value = set_cell_size(value, max(0, cell_width - 1)) + "…"
        parts.append(set_cell_size(value, cell_width))
    return Strip([Segment(" ".join(parts), style)]).crop_extend(0, width, style)


def _strip(text: Text, width: int, style: Style, console) -> Strip:
    """`text` as one strip exactly `width` cells wide, every segment styled over `style`.

    Rich leaves a segment of unstyled text with no style at all (None), which Textual's
    NO_COLOR filter cannot read: the widget's own style goes under every segment.
    """
    text.truncate(width, pad=True)
    return Strip(text.render(console, end="")).apply_style(style).crop_extend(0, width, style)
