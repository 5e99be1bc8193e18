"""The tax year the list shows, stepped with [ and ] or by clicking its arrows."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static

from linkdesk.i18n import _


class TaxYearPicker(Static):
    """"Tax year ◂ 2025 ▸": a click on an arrow asks for the year before or after."""

    DEFAULT_CSS = """
    TaxYearPicker { width: auto; height: 1; padding: 0 1; }
    """

    class Stepped(Message):
        def __init__(self, delta: int) -> None:
            super().__init__()
            self.delta = delta

    def __init__(self, year: int, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.show_year(year)

    def show_year(self, year: int) -> None:
        self.year = year
        line = Text(no_wrap=True, end="")
        line.append(_("Tax year") + " ")
        self._left = line.cell_len + 1
        line.append("◂ ", style="bold")
        line.append(str(year), style="bold")
        self._right = line.cell_len + 1
        line.append(" ▸", style="bold")
        self.update(line)

    def on_click(self, event: events.Click) -> None:
        if self._left <= event.x < self._left + 2:
            self.post_message(self.Stepped(-1))
        elif self._right <= event.x < self._right + 2:
            self.post_message(self.Stepped(1))
