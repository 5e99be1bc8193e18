"""One banner while delivery is paused by the relay: its words, what to change, that nothing
is lost. Hidden while the relay answers well."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from linkdesk.i18n import _
from linkdesk.labels import relay_advice


class RelayBanner(Static):
    """Shows a store.pipeline.RelayState whose delivery is paused; nothing otherwise."""

    DEFAULT_CSS = """
    RelayBanner { display: none; height: auto; max-height: 6; padding: 0 1;
                  background: $error 30%; }
    """

    def show_state(self, state) -> None:
        if state is None or not state.paused:
            self.display = False
            return
        line = Text()
        line.append(_("Delivery paused: the relay said: "), style="bold")
        line.append(state.said or "?")  # the relay's words: plain text, never markup
        line.append("\n" + relay_advice(state.kind) + " ")
        line.append(_("Every message waits in the queue; delivery resumes by itself."),
                    style="dim")
        self.update(line)
        self.display = True
