"""Every key of the screen the preparer was on, with what it does (opened with ?)."""

from __future__ import annotations

import dataclasses

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from linkdesk.i18n import N_, _
from tui.dialog import Dialog
from tui.widgets.key_bar import screen_bindings


def key_rows(screen) -> list[tuple[str, str, bool]]:
    """(key, what it does, usable now) for every binding of ours active on `screen`, shown in
    the key bar or not. Textual's own (scrolling, focus) carry no id and are summed up in one
    translated line at the bottom instead."""
    rows = []
    groups: dict[int, int] = {}  # a group's row, by the group: its keys are listed once
    for _node, binding, enabled, tooltip in screen_bindings(screen):
        if binding.group is not None:
            if id(binding.group) in groups:
                continue
            groups[id(binding.group)] = len(rows)
            keys = " ".join(screen.app.get_key_display(b) for b in _group_bindings(
                screen, binding.group))
            rows.append((keys, _(binding.group.description), bool(enabled)))
            continue
        what = _(binding.description)
        tooltip = _(tooltip) if tooltip else ""
        if tooltip and tooltip.casefold() != what.casefold():  # not "Add: Add"
            what = _("{action}: {what_it_does}").format(action=what, what_it_does=tooltip)
        rows.append((screen.app.get_key_display(binding), what, bool(enabled)))
    return rows


def _group_bindings(screen, group) -> list:
    """The bindings of `group` on `screen`, each key once (their own displays, not the
    shown one's, which may already stand for the whole group)."""
    found = [a.binding for a in screen_bindings(screen) if a.binding.group is group]
    return [dataclasses.replace(b, key_display=None) for b in found]


class HelpScreen(Dialog[None]):
    """The keys of one screen, dimmed when not usable at the moment; Escape or ? closes."""

    BINDINGS = [Binding("escape,question_mark,q", "close", N_("Close"), id="close")]

    def __init__(self, title: str, rows: list[tuple[str, str, bool]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose_dialog(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for key, what, enabled in self.rows:
            style = "" if enabled else "dim"
            table.add_row(Text(key, style=style), Text(what, style=style))
        with Vertical(id="help", classes="dialog"):
            yield Static(_("Keys: {screen}").format(screen=self.title_text), classes="title",
                         markup=False)
            with VerticalScroll():
                yield Static(table)
            yield Static(Text(_("↑ ↓ pgup pgdn home end move in a list; tab and shift+tab go "
                                "to the next and previous field; ⏎ confirms, esc goes back."),
                              style="dim"))
            yield Static(Text(_("ctrl+p opens the command palette: every action by name, and "
                                "the theme."), style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
