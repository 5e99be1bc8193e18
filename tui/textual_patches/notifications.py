"""The toasts an app shows, read and taken back one at a time.

Private names: `App._notifications` (the shown toasts), `App._unnotify` (take one back) and
`ToastRack._toast_id` (the id of the holder a toast sits in).
Why: a toast that replaces its own earlier one (tui/one_toast.py: 40 clients accepting at 8 a.m.
make one toast that counts them, not 40 over the list) needs to remove that one toast;
`clear_notifications` removes every toast, the relay's warning included. Tests read what is
shown through `shown_toasts`.
Upstream: `App.notify` could return the Notification and `App.unnotify(notification)` be
public (Textual keeps `_unnotify` private as of 8.2.8; no issue found; to propose).

A toast taken back leaves its ToastHolder in the rack (ToastRack.show removes the Toast, not
its holder; a toast that times out removes both), and so does one that expires while the
toasts are refreshed (the notifications forget it before its own timer fires): each empty
holder keeps a line, so a burst of acceptances walked its toast down over the list's rows, a
line per update. `take_back` removes the holder too, and `sweep_holders` (run after every
refresh of the toasts) removes any holder whose toast is no longer shown. Upstream:
ToastRack.show could remove the holder; to propose.
"""

from __future__ import annotations

from textual.notifications import Notification

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.app.App._notifications": None,
    "textual.app.App._unnotify": "(self, notification: 'Notification', refresh: 'bool' = True) "
                                 "-> 'None'",
    "textual.widgets._toast.ToastRack._toast_id": "(notification: 'Notification') -> 'str'",
}


def shown_toasts(app) -> list[Notification]:
    """The toasts on screen now, oldest first."""
    return list(app._notifications)


def is_shown(app, toast: Notification) -> bool:
    return toast in app._notifications


def sweep_holders(app) -> None:
    """Remove every toast holder whose notification is no longer shown, on every screen."""
    from textual.widgets._toast import ToastHolder, ToastRack

    shown = {ToastRack._toast_id(note) for note in app._notifications}
    for screen in app.screen_stack:
        for rack in screen.query_children(ToastRack):
            for holder in rack.query_children(ToastHolder):
                if holder.id not in shown:
                    holder.remove()


def take_back(app, toast: Notification, *, refresh: bool = True) -> None:
    """Remove `toast` alone (clear_notifications would remove every toast), and the holder it
    sits in on any screen."""
    from textual.widgets._toast import ToastRack

    app._unnotify(toast, refresh=refresh)
    holder_id = ToastRack._toast_id(toast)
    for screen in app.screen_stack:
        for rack in screen.query_children(ToastRack):
            for holder in rack.query_children(f"#{holder_id}"):
                holder.remove()
