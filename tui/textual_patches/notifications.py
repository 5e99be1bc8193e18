"""The toasts an app shows, read and taken back one at a time.

Private names: `App._notifications` (the shown toasts) and `App._unnotify` (take one back).
Why: a toast that replaces its own earlier one (tui/one_toast.py: 40 clients accepting at 8 a.m.
make one toast that counts them, not 40 over the list) needs to remove that one toast;
`clear_notifications` removes every toast, the relay's warning included. Tests read what is
shown through `shown_toasts`.
Upstream: `App.notify` could return the Notification and `App.unnotify(notification)` be
public (Textual keeps `_unnotify` private as of 8.2.8; no issue found; to propose).
"""

from __future__ import annotations

from textual.notifications import Notification

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.app.App._notifications": None,
    "textual.app.App._unnotify": "(self, notification: 'Notification', refresh: 'bool' = True) "
                                 "-> 'None'",
}


def shown_toasts(app) -> list[Notification]:
    """The toasts on screen now, oldest first."""
    return list(app._notifications)


def is_shown(app, toast: Notification) -> bool:
    return toast in app._notifications


def take_back(app, toast: Notification, *, refresh: bool = True) -> None:
    """Remove `toast` alone (clear_notifications would remove every toast)."""
    app._unnotify(toast, refresh=refresh)
