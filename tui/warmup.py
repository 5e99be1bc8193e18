"""Loading, while the preparer types the password, what the client list needs on first draw.

Each piece is loaded lazily the first time it is used (the client list's code, phonenumbers'
metadata for the region, Babel's locale data); that first use would otherwise land between the
Enter on the password and the list appearing.
"""

from __future__ import annotations


def warm_client_list(region: str) -> None:
    """Import and prime what drawing the client list uses; safe to call more than once.

    Also imports the services started once the list is up (mail, delivery, the acceptance
    page), so that starting them then does not stall the first keys on the list.
    """
    import tui.screens.clients  # noqa: F401
    from store.validate import format_phone
    from tui.formatting import format_count

    format_phone("+15145550199", region)
    format_count(1200)
    import linkdesk.mail.capture
    import linkdesk.mail.delivery
    import linkdesk.mail.relay
    import linkdesk.web.accept  # noqa: F401
    import store.changes  # noqa: F401
