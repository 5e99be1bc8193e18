"""The pipeline for the tax year as one line of counts; it is also the status filter."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from linkdesk.i18n import _
from linkdesk.labels import status_label
from store.clients import MAIN_STATUSES, STATUSES
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
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        parts = [(None, _("All"), sum(counts.values()))]
        # The main statuses first: on a narrow terminal the line is cut at its end, and
        # "accepted" must not be what falls off.
        order = [*MAIN_STATUSES, *(s for s in STATUSES if s not in MAIN_STATUSES)]
        parts += [
            (status, status_label(status), counts.get(status, 0))
            for status in order
            if status in MAIN_STATUSES or counts.get(status) or status == active
        ]
        for i, (status, label, count) in enumerate(parts):
            if i:
                line.append(" · ", style="dim")
            start = line.cell_len + 1  # padding
            line.append(f"{label} {format_count(count)}",
                        style="bold reverse" if status == active else "")
            self._spans.append((start, line.cell_len + 1, status))
        self.update(line)

    def on_click(self, event: events.Click) -> None:
        for start, end, status in self._spans:
            if start <= event.x < end:
                self.post_message(self.FilterChosen(status))
                return
