"""The pipeline for the tax year as one line of counts; it is also the status filter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from linkdesk.i18n import _
from linkdesk.labels import status_label, status_short_label
from store.clients import INACTIVE, MAIN_STATUSES, PENDING, SENDING, STATUSES
from tui.formatting import format_count


class PipelineBar(Static):
    """"All 1,200 · Not invited 812 · Invitation pending 240 · …", the filter shown reversed.

    Clicking a status filters the list to it; clicking "All" clears the filter.
    """

    DEFAULT_CSS = """
    PipelineBar { height: 1; padding: 0 1; }
    """

    class FilterChosen(Message):
        """A status (or None for all) was clicked."""

        def __init__(self, status: str | None) -> None:
            super().__init__()
            self.status = status

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._spans: list[tuple[int, int, str | None]] = []
        self._shown: tuple | None = None  # what is drawn: counts and filter

    def show_counts(self, counts: dict[str, int], active: str | None = None) -> None:
        shown = (tuple(sorted(counts.items())), active)
        if shown == self._shown:
            return  # a search keystroke changes neither: no redraw, no layout
        self._shown = shown
        self._draw()

    def on_resize(self) -> None:
        if self._shown is not None:
            self._draw()

    def _draw(self) -> None:
        """The counts in whole words when they fit the width, else in short words, else in
        short words on two lines: every status stays readable at 80 columns, in French too."""
        counts, active = dict(self._shown[0]), self._shown[1]
        # The main statuses first, then the others that occur (or are filtered on).
        # Inactive clients last, when the list shows them (their rows say so).
        order = [*MAIN_STATUSES, *(s for s in STATUSES if s not in MAIN_STATUSES), INACTIVE]
        statuses = [s for s in order if s in MAIN_STATUSES or counts.get(s) or s == active
                    or (s == INACTIVE and s in counts)]
        width = self.content_size.width or 78
        # Before wrapping (a wrapped line costs the list a row): without "All" (the line under
        # the list says how many in all), then with the few seconds' "Sending" counted in
        # "Pending", where the invitation goes once the relay has it. Neither when filtered
        # on what it leaves out: "All" is then what clears the filter.
        folded = dict(counts)
        folded[PENDING] = folded.get(PENDING, 0) + folded.pop(SENDING, 0)
        unfiltered = active is None
        for label, wrap, everyone, fold in (
                (status_label, False, True, False),
                (status_short_label, False, True, False),
                (status_short_label, False, not unfiltered, False),
                (status_short_label, False, not unfiltered, unfiltered),
                (status_short_label, True, True, False)):
            shown = [s for s in statuses if not (fold and s == SENDING)]
            line, spans, rows = self._line(folded if fold else counts, active, shown, label,
                                           width, wrap, everyone)
            if wrap or (rows == 1 and line.cell_len <= width):
                break
        self._spans = spans
        self.styles.height = rows
        self.update(line)

    @staticmethod
    def _line(counts, active, statuses, label, width: int, wrap: bool, everyone: bool = True):
        """The parts side by side (a new row instead of a separator when `wrap` and the row
        is full), "All" first unless not `everyone`; the click spans as (row, first column,
        end column, status)."""
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        spans = []
        parts = [(None, _("All"), sum(counts.values()))] if everyone else []
        parts += [(status, label(status), counts.get(status, 0)) for status in statuses]
        row, x = 0, 0
        for i, (status, name, count) in enumerate(parts):
            text = f"{name} {format_count(count)}"
            if i and wrap and x + 3 + len(text) > width:
                line.append("\n")
                row, x = row + 1, 0
            elif i:
                line.append(" · ", style="dim")
                x += 3
            line.append(text, style="bold reverse" if status == active else "")
            spans.append((row, x + 1, x + 1 + len(text), status))  # +1: the padding
            x += len(text)
        return line, spans, row + 1

    def on_click(self, event: events.Click) -> None:
        for row, start, end, status in self._spans:
            if row == event.y and start <= event.x < end:
                self.post_message(self.FilterChosen(status))
                return
