"""Scrollbars that are sent to the terminal only when they would look different.

Textual refreshes every scrollbar of a scroll view on each layout of the screen, on each change
of its size or position, and whenever its view is counted again, though the bar usually draws
the same cells: a 5,000-row table's thumb is one cell that a page down or a filtered search
does not move. Over SSH an 18-row bar is about 630 bytes a time, twice for each letter typed in
the search box. A QuietScrollBar compares the cells it would draw with those it drew last and
redraws only the rows that differ: none when nothing moved, two when the thumb moves a cell.

Private names: Widget's `_vertical_scrollbar` and `_horizontal_scrollbar` (the bars a view
starts lazily), `App._start_widget` (starts them as Textual does), and `Widget._scroll_update`
(tells the bars a new virtual size, for a view that sets its size without the reactive's full
repaint: tui/widgets/client_table.py).
Why: Widget's `vertical_scrollbar` property makes the bars with no way to choose their class;
~630 bytes of an 18-row bar no longer go over SSH for each letter typed in the search box
(tests/test_tui_search_paint.py).
Upstream: Textualize/textual#1496 (pluggable scrollbars, closed): the maintainer would
"consider a hook you can use to plug in a different scrollbar... A classvar on the Widget";
that classvar would replace this. ScrollBar could also skip a refresh that draws the same
cells (not proposed yet).
"""

from __future__ import annotations

from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.widget import Widget

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.widget.Widget._vertical_scrollbar": None,
    "textual.widget.Widget._horizontal_scrollbar": None,
    "textual.app.App._start_widget": "(self, parent: 'Widget', widget: 'Widget') -> 'None'",
    "textual.widget.Widget._scroll_update": "(self, virtual_size: 'Size') -> 'None'",
}


class QuietScrollBar(ScrollBar):
    """A ScrollBar that repaints only the cells that would differ from those last drawn."""

    _drawn: object = None

    def _look(self, renderable: object) -> object:
        """The cells (and their styles) `renderable` draws at this size, or None if unknown."""
        if not isinstance(renderable, ScrollBarRender):
            return None
        size = self.size.height if self.vertical else self.size.width
        thickness = self.size.width if self.vertical else self.size.height
        style = renderable.style
        colours = {}
        if getattr(style, "bgcolor", None):
            colours["back_color"] = style.bgcolor
        if getattr(style, "color", None):
            colours["bar_color"] = style.color
        cells = renderable.render_bar(
            size=size, window_size=renderable.window_size,
            virtual_size=renderable.virtual_size, position=renderable.position,
            vertical=renderable.vertical, thickness=thickness, **colours,
        )
        return (self.size, tuple(cells.segments))

    def render(self):
        renderable = super().render()
        self._drawn = self._look(renderable)
        return renderable

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False):
        if regions or recompose or not repaint or not self.is_mounted \
                or self.parent is None or self._drawn is None:
            return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        look = self._look(ScrollBar.render(self))
        if look == self._drawn:
            # A layout still runs (a restyle asks for one); the bar repaints if it is resized.
            return super().refresh(layout=True, repaint=False) if layout else self
        if layout:
            return super().refresh(layout=True)
        rows = self._changed_rows(self._drawn, look)
        if rows is None:
            return super().refresh()
        # Only the cells that change: a thumb moving one cell is two rows of the bar.
        width = self.size.width
        return super().refresh(*(Region(0, y, width, 1) for y in rows))

    def _changed_rows(self, drawn: object, look: object) -> list[int] | None:
        """The rows of a vertical bar whose cells differ, or None to redraw it whole."""
        if look is None or not self.vertical or drawn[0] != look[0] \
                or len(drawn[1]) != len(look[1]):
            return None
        return [y for y, (old, new) in enumerate(zip(drawn[1], look[1], strict=True))
                if old != new]


class QuietScrollbars:
    """Mixin for a scroll view (before it in the bases): its scrollbars are QuietScrollBars."""

    @property
    def vertical_scrollbar(self: Widget) -> ScrollBar:
        if self._vertical_scrollbar is None:
            self._vertical_scrollbar = _start_bar(self, True, self.scrollbar_size_vertical)
        return self._vertical_scrollbar

    @property
    def horizontal_scrollbar(self: Widget) -> ScrollBar:
        if self._horizontal_scrollbar is None:
            self._horizontal_scrollbar = _start_bar(self, False, self.scrollbar_size_horizontal)
        return self._horizontal_scrollbar


def update_scrollbars(view: Widget, virtual_size) -> None:
    """Tell `view`'s scrollbars its new virtual size (each redraws only if it looks different)."""
    view._scroll_update(virtual_size)


def _start_bar(view: Widget, vertical: bool, thickness: int) -> QuietScrollBar:
    """A hidden QuietScrollBar started on `view`, as Textual starts its own ScrollBars."""
    bar = QuietScrollBar(vertical=vertical, name="vertical" if vertical else "horizontal",
                         thickness=thickness)
    bar.display = False
    view.app._start_widget(view, bar)
    return bar
