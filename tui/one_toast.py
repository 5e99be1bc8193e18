"""A toast that takes the place of its own earlier one: news that comes in bursts (clients
accepting one after another at 8 a.m.) is one small toast that counts them, not a stack of
toasts over the list."""

from __future__ import annotations

import time

from textual.notifications import Notification, Notify

from linkdesk.i18n import _, fill, ngettext
from tui.textual_patches.notifications import is_shown, take_back


class OneToast:
    """At most one toast of this kind on screen: showing a new one removes the one before."""

    def __init__(self) -> None:
        self._shown: Notification | None = None

    def show(self, app, message: str, *, timeout: float | None = None) -> None:
        """Show `message` (plain text, never markup) in place of this kind's last toast."""
        previous = self._shown
        self._shown = Notification(message, "", "information",
                                   app.NOTIFICATION_TIMEOUT if timeout is None else timeout,
                                   markup=False)
        if previous is not None and is_shown(app, previous):
            take_back(app, previous, refresh=False)  # the new one refreshes the display
        app.post_message(Notify(self._shown))


class AcceptanceNews:
    """Who accepted lately, said in one toast: acceptances heard while it is still showing are
    counted in it, so a burst is one toast that grows, with the latest name."""

    def __init__(self) -> None:
        self.toast = OneToast()
        self._heard: list[tuple[float, str]] = []  # (when, client's name), oldest first

    def heard(self, app, names: list[str]) -> None:
        if not names:
            return
        now = time.monotonic()
        showing = [(at, name) for at, name in self._heard
                   if now - at < app.NOTIFICATION_TIMEOUT]
        self._heard = showing + [(now, name) for name in names]
        self.toast.show(app, self.message([name for _at, name in self._heard]))

    @staticmethod
    def message(names: list[str]) -> str:
        """One name, or how many and the latest (two short lines in a toast at 80x24)."""
        if len(names) == 1:
            return _("{name} accepted the invitation.").format(name=names[0])
        return fill(ngettext("{n} acceptance; the latest: {name}.",
                             "{n} acceptances; the latest: {name}.", len(names)),
                    n=len(names), name=names[-1])
