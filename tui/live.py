"""Screens that show the store redraw when it changes, however it changed (this process, the
acceptance page, another preparer, an import), at most every quarter second."""

from __future__ import annotations

from tui.coalesce import Coalesced
from tui.desk import DeskScreen


def follow_store(screen, redraw) -> Coalesced:
    """Subscribe `screen` (mounted) to the app's store changes, redrawn by `redraw`, coalesced."""
    changes = Coalesced(screen, redraw)
    screen.desk.store_changes.subscribe(screen, lambda _: changes.poke())
    return changes


def reload_keeping_place(screen) -> None:
    """Redraw for a change made elsewhere, keeping the row the preparer is on."""
    current = getattr(screen, "current", None)
    row = current() if current is not None else None
    if row is not None:
        screen.reload(select_id=row.id)
    else:
        screen.reload()


class LiveScreen(DeskScreen):
    """A screen of the desk with a `reload()`, redrawn when the store changes; it keeps the
    row the preparer is on (`live_reload`)."""

    def on_mount(self) -> None:
        follow_store(self, self.live_reload)

    def live_reload(self) -> None:
        reload_keeping_place(self)

    def reload(self, select_id: int | None = None) -> None:  # pragma: no cover - per screen
        raise NotImplementedError
