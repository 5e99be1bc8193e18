"""`linkdesk hooks test`: a test event sent now, signed as every event is, and the answer."""

from __future__ import annotations

import datetime as dt
import json
import sys
from urllib.parse import urlsplit

from linkdesk.i18n import _


def shown_url(url: str) -> str:
    """The receiver's address without its query (which may hold a key of the receiver's)."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()


async def hooks_test(settings, args, not_set: int) -> int:
    """Exit 0 when the receiver answered 2xx, 1 otherwise, `not_set` when hooks.url is empty."""
    from linkdesk.hooks.sender import HookSender
    from store.hooks import TEST, event_body, new_event_id

    if not settings.hooks_url:
        print("linkdesk: " + _("no webhook receiver is set (hooks.url, with hooks.secret_file): "
                               "there is nowhere to send a test event"), file=sys.stderr)
        return not_set
    event_id = new_event_id()
    body = event_body(event_id, TEST, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                      {"message": "a test event from linkdesk hooks test"})
    sender = HookSender(settings.hooks_url, settings.hooks_secret)
    try:
        answer = await sender.post(event_id, TEST, body.encode("utf-8"))
    finally:
        await sender.close()
    said = f"HTTP {answer.status}" if answer.status is not None else answer.error
    if args.json:
        print(json.dumps({"url": shown_url(settings.hooks_url), "event_id": event_id,
                          "ok": answer.ok, "status": answer.status, "error": answer.error}))
    else:
        print(_("Sent a test event ({event_id}) to {url}").format(
            event_id=event_id, url=shown_url(settings.hooks_url)))
        if answer.ok:
            print(_("The receiver answered {said}: it takes webhooks.").format(said=said))
        else:
            print(_("The receiver answered {said}: events wait in the queue and are tried "
                    "again with backoff until it answers 2xx.").format(said=said))
    return 0 if answer.ok else 1
