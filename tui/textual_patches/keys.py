"""Keys handed to an app the way its terminal driver does: all queued before any is handled.

Private names: `App._driver` (its `send_message`) and `textual.keys._character_to_key`.
Why: Pilot's `press` waits for the app to go idle after each key (~80 ms a key), so it cannot
show what a burst of keys does, which is how keys arrive over SSH (a whole read at once); the
tests of key order and the benches of keystroke latency need exactly that burst.
Upstream: a public `Pilot.feed(keys)` that posts key events without waiting (not proposed yet;
the proposal would be a thin wrapper over `driver.send_message`).
"""

from __future__ import annotations

from textual import events
from textual.keys import _character_to_key

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.keys._character_to_key": "(character: 'str') -> 'str'",
    "textual.app.App._driver": None,
}


def key_event(app, key: str) -> events.Key:
    """The Key event a terminal driver makes for `key` (a key name, or one character)."""
    char = key if len(key) == 1 else None
    name = key if char is None or char.isalnum() else _character_to_key(char)
    event = events.Key(name, char)
    event.set_sender(app)
    return event


def send_event(app, event: events.Key) -> None:
    """Hand `event` to the app as its driver does, now (for a bench timing one key)."""
    app._driver.send_message(event)


def feed_keys(app, *keys: str) -> None:
    """Queue `keys` (names, or strings of characters) as one terminal read: all before any
    is handled."""
    for key in keys:
        for item in ([key] if len(key) > 1 else list(key)):
            send_event(app, key_event(app, item))
