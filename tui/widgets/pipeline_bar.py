"""One line of counts per invitation status for the selected tax year."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from store.clients import STATUSES
from tui.formatting import format_count
from tui.labels import status_label


class PipelineBar(Static):
    """"Not invited 812 · Invitation pending 240 · Invitation accepted 148", filter in bold."""

    DEFAULT_CSS = """
    PipelineBar { height: 1; padding: 0 1; }
    """

    def show_counts(self, counts: dict[str, int], active: str | None = None) -> None:
        line = Text(no_wrap=True, overflow="ellipsis")
        for i, status in enumerate(STATUSES):
            if i:
                line.append(" · ", style="dim")
            part = f"{status_label(status)} {format_count(counts.get(status, 0))}"
            line.append(part, style="bold reverse" if status == active else "")
        self.update(line)
