"""The footer line of keys: every action of the screen with its key, in one cheap widget.

Textual's Footer mounts a widget per key and restyles them on every focus change (about 150 ms
for ten keys on a 2-core machine); this draws the same information as one line of text.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual import events
from textual.binding import ActiveBinding
from textual.widgets import Static

from linkdesk.i18n import _


def screen_bindings(screen) -> Iterator[ActiveBinding]:
    """linkdesk's bindings active on `screen`, once per action: the key bar, the help screen
    and the command palette all list these. Textual's own (scrolling, focus) carry no id.

    In the order of the screen's KEY_ORDER (its actions' names) when it has one, whichever of
    its widgets holds each binding (the client table holds Select): where a binding lives
    follows its action, the order a preparer reads them in is the screen's to say."""
    seen: set[str] = set()
    found = []
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id and binding.description and binding.action not in seen:
            seen.add(binding.action)
            found.append(active)
    order = getattr(screen, "KEY_ORDER", ())
    if order:
        rank = {action: index for index, action in enumerate(order)}
        found.sort(key=lambda active: rank.get(active.binding.action, len(rank)))
    yield from found


class KeyBar(Static):
    """Keys of the active bindings, " a Add client  / Search ..."; a click presses the key."""

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background; color: $footer-foreground; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self._spans: list[tuple[int, int, str]] = []
        self._first: tuple[str, ...] = ()
        self._line: Text | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self._draw()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.is_attached:
            self._draw()

    def show_first(self, actions: tuple[str, ...]) -> None:
        """Put these actions first (those that apply to the row the preparer is on), so that
        at 80 columns the keys a flow needs are seen, not only in help. Draws only when the
        order changes: a cursor moving between like rows sends nothing to the terminal."""
        if actions != self._first:
            self._first = actions
            if self.is_attached:
                self._draw()

    def _ordered(self) -> list[ActiveBinding]:
        shown = [active for active in screen_bindings(self.screen)
                 if active.binding.show or active.binding.action in self._first]
        rank = {action: i for i, action in enumerate(self._first)}
        return sorted(shown, key=lambda a: rank.get(a.binding.action, len(rank)))

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        """The keys in order, each whole, as many as the width holds; help always last, so
        that every key the line has no room for is one key away (help lists them all)."""
        key_style = "bold " + (self.app.current_theme.accent or "") if not self.app.no_color \
            else "bold reverse"
        entries, helps = [], []
        for _node, binding, enabled, _tooltip in self._ordered():
            # A group's shown binding stands for all of it: "[ ] Tax year", not "Previous ...".
            what = _(binding.group.description if binding.group else binding.description)
            entry = (f" {self.app.get_key_display(binding)} ", f"{what} ", enabled,
                     binding.key.split(",")[0])
            (helps if binding.action == "help" else entries).append(entry)
        width = self.size.width or self.app.size.width
        room = width - sum(len(k) + len(w) for k, w, _e, _k in helps)
        shown = []
        for entry in entries:
            room -= len(entry[0]) + len(entry[1])
            if room < 0:
                break
            shown.append(entry)
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        self._spans = []
        for key, what, enabled, press in shown + helps:
            start = len(line)
            line.append(key, style=key_style if enabled else "dim")
            line.append(what, style="" if enabled else "dim")
            self._spans.append((start, len(line), press))
        if line == self._line:
            return  # nothing changed: nothing sent to the terminal
        self._line = line
        # One docked row whatever the keys: no layout, which would redraw the whole screen
        # (over SSH, 8 KB each time focus moves to the search box).
        self.update(line, layout=False)

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
