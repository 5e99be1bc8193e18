"""`linkdesk hooks test`: a test event sent now, signed as every event is, and the answer;
`linkdesk hooks retry`: the failed events queued again."""

from __future__ import annotations

import datetime as dt
import json
import sys
from urllib.parse import urlsplit

from linkdesk.i18n import _, ngettext


def shown_url(url: str) -> str:
    """The receiver's address without its query (which may hold a key of the receiver's)."""
    parts = urlsplit(url)
    return parts._replace(query="", fragment="").geturl()


async def hooks_test(settings, args, not_set: int) -> int:
    """Exit 0 when the receiver answered 2xx, 1 otherwise, `not_set` when hooks.url is empty."""
    from linkdesk.hooks.sender import HookSender
    from store.hooks import REFUSALS, TEST, event_body, new_event_id, refused

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
        elif refused(answer.status):
            print(_("The receiver answered {said}: it refuses events; each is tried {tries} "
                    "times, then failed (`linkdesk hooks retry` sends the failed again).").format(
                said=said, tries=REFUSALS))
        else:
            print(_("The receiver answered {said}: events wait in the queue and are tried "
                    "again with backoff until it answers 2xx.").format(said=said))
    return 0 if answer.ok else 1


async def hooks_retry(target, open_store) -> int:
    """Queue the failed events again; say how many (the service, or the app, sends them)."""
    store = await open_store(target)
    try:
        n = await store.hooks.retry_failed()
    finally:
        await store.close()
    print(ngettext("{n} failed webhook queued again.", "{n} failed webhooks queued again.",
                   n).format(n=n))
    return 0
