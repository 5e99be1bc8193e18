"""Loading ahead, in a thread, what the next step needs, so that its first use costs nothing.

Each piece is loaded lazily the first time it is used (the client list's code, phonenumbers'
metadata for the region, Babel's locale data; the mail and page services). While the preparer
types the password, only what drawing the client list uses: the services' imports (aiohttp
and the mail stack, about as much again) ran then too, and a fast typist's Enter landed while
they held the interpreter, which slowed the list's first draw. They are loaded once the list
is drawn, in a thread, before the services start.
"""

from __future__ import annotations


def warm_client_list(region: str) -> None:
    """Import and prime what drawing the client list uses; safe to call more than once."""
    import tui.screens.clients  # noqa: F401
    from store.validate import format_phone
    from tui.formatting import format_count

    format_phone("+15145550199", region)
    format_count(1200)


def warm_services() -> None:
    """Import the services started once the list is up (mail, delivery, the acceptance page,
    the change watcher), so that starting them does not stall the first keys on the list."""
    import linkdesk.mail.capture
    import linkdesk.mail.delivery
    import linkdesk.mail.relay
    import linkdesk.web.accept  # noqa: F401
    import store.changes  # noqa: F401
