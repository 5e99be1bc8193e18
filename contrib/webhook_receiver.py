"""A receiver for linkdesk's webhooks, to start from: it checks each request's signature, then
acts once per event id (delivery is at least once: the same event may come twice).

    python webhook_receiver.py /etc/crm/linkdesk-secret [PORT]

The secret file holds the same first line as linkdesk's hooks.secret_file.
"""

import hashlib
import hmac
import json
import sys
import time

from aiohttp import web


def verify(secret: bytes, header: str, body: bytes, tolerance: int = 300) -> bool:
    """True when the Linkdesk-Signature `header` signs the raw request `body`, recently."""
    fields = [item.strip().split("=", 1) for item in header.split(",") if "=" in item]
    stamp = next((value for key, value in fields if key == "t"), "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > tolerance:
        return False  # unsigned, or too old: a request caught on the way and played again
    signed = stamp.encode() + b"." + body
    expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in fields)


def make_app(secret: bytes, on_event) -> web.Application:
    seen: set[str] = set()  # keep these in your own database, with what the event did

    async def hook(request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(secret, request.headers.get("Linkdesk-Signature", ""), body):
            return web.Response(status=400, text="bad signature")
        event = json.loads(body)
        if event["id"] not in seen:  # the same id again: already done, say so again
            seen.add(event["id"])
            on_event(event)  # event["type"], event["created"], event["data"]
        return web.Response(status=204)  # any 2xx: linkdesk stops sending this event

    app = web.Application()
    app.router.add_post("/linkdesk", hook)
    return app


if __name__ == "__main__":
    with open(sys.argv[1], "rb") as file:
        key = file.read().split(b"\n")[0].rstrip(b"\r")
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
    web.run_app(make_app(key, print), host="127.0.0.1", port=port)
