"""10,000 delivery reports through the bounce intake of `linkdesk serve`, while a preparer types.

10,000 clients are invited and their messages recorded as sent. `linkdesk serve` runs in its
own process with its bounce intake. Another process plays the firm's MX: over 20 SMTP
connections (Postfix's default concurrency for one destination) it hands the intake 10,000
real Postfix reports (tests/fixtures/postfix-dsn-failed.eml), each to its message's VERP
address, and times them from the first to the last 250. Meanwhile the app (headless, in this
process, on the same database, hearing every change) has searches typed into its client list;
each key is timed to the first line of new rows drawn. Last line: a JSON object with the
bounces per second (goal >= 500) and the keystroke p95 (goal <= 50 ms).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import (
    ROOT,
    FirstRows,
    cpu_calibration_s,
    free_port,
    idle,
    median,
    p95,
    print_figure,
    send_key,
    sized,
)

N = sized(10_000, 200)
BOUNCES = "bounces@firm.linkdesk.example"
# what Postfix opens to one destination by default (concurrency limit)
CONNECTIONS = sized(20, 4)
SEARCHES = ["client 1", "client 42", "client 9", "@example", "client 77", "zzq"]

MX = r"""
import asyncio, json, sys, time
import aiosmtplib

port, tags_file, dsn_file, connections = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tags = json.load(open(tags_file))
raw = open(dsn_file, "rb").read()
queue = list(tags)

async def connection(times):
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=int(port), timeout=60)
    await smtp.connect()
    while queue:
        tag = queue.pop()
        await smtp.sendmail("", [f"bounces+{tag}@firm.linkdesk.example"], raw)
        times.append(time.perf_counter())
    await smtp.quit()

async def main():
    times = []
    started = time.perf_counter()
    await asyncio.gather(*(connection(times) for _ in range(connections)))
    print(json.dumps({"seconds": max(times) - started, "sent": len(times)}))

asyncio.run(main())
"""

async def prepare(db: str) -> list[str]:
    """A firm of N clients, each invited, each message recorded as sent; their return tags."""
    from linkdesk.mail.outgoing import request_for
    from store import ClientDraft, Store, check_draft
    from store.models import OutboxTag

    store = await Store.open(db)
    try:
        preparer = await store.accounts.create("marie", "m@example.com",
                                               "correct horse battery", "Firm")
        cleans = [check_draft(ClientDraft(kind="organization", organization_name=f"Client {i}",
                                          email=f"client{i}@example.com")) for i in range(N)]
        ids = await store.clients.add_many(preparer.firm_id, cleans, preparer.id)
        for first in range(0, N, 500):
            requests = [request_for(await store.clients.details(i), 2025, firm_name="Firm",
                                    preparer_name="marie", sender_address="p@firm.example")
                        for i in ids[first:first + 500]]
            await store.invitations.invite_many(requests, preparer.id, "https://portal.example")
        while jobs := await store.invitations.claim_many(500):
            from store.invitations import DeliveryResult

            await store.invitations.record([DeliveryResult(j, answer="250 OK") for j in jobs])
        return [tag for (tag,) in await store.list(OutboxTag.select(OutboxTag.return_tag).tuples())]
    finally:
        await store.close()


async def type_meanwhile(db: str, typing: asyncio.Event, done: asyncio.Event) -> list[float]:
    """The app on the same database, a search typed key by key until the bounces are in."""
    from linkdesk.runtime import Runtime
    from linkdesk.settings import Settings
    from store import Store
    from tui.app import make_app
    from tui.screens.clients import ClientsScreen
    from tui.widgets.client_table import ClientTable

    store = await Store.open(db, pool_size=8)
    settings = Settings(db_url=db, tax_year=2025, link_base="https://portal.example")
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    latencies: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            result = await store.accounts.sign_in("marie", "correct horse battery")
            app.signed_in(result.preparer)
            while not isinstance(app.screen, ClientsScreen) or not runtime.started:
                await asyncio.sleep(0.01)
            await idle(app)
            table = app.screen.query_one(ClientTable)
            await pilot.press("slash")
            rows = FirstRows(table)

            async def keystroke(key: str) -> None:
                rows.arm()
                started = send_key(app, key)
                drawn = await rows.wait()
                if drawn is not None and typing.is_set():
                    latencies.append((drawn - started) * 1000)
                await asyncio.sleep(0.08)  # a quick typist: about 12 keys a second

            while not done.is_set():
                for term in SEARCHES:
                    for char in term:
                        await keystroke(char)
                    for _ in term:
                        await keystroke("backspace")
                    if done.is_set():
                        break
    finally:
        await runtime.stop()
        await store.close()
    return latencies


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bounces.db")
        tags = await prepare(db)
        tags_file = Path(tmp) / "tags.json"
        tags_file.write_text(json.dumps(tags))
        port = free_port()
        env = {**os.environ, "LINKDESK_BOUNCE_ADDRESS": BOUNCES,
               "LINKDESK_BOUNCE_PORT": str(port), "XDG_DATA_HOME": tmp,
               "PYTHONUNBUFFERED": "1"}
        service = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "linkdesk", "serve", "--db", db, "--port", "0",
            "--link-base", "https://portal.example", stderr=asyncio.subprocess.PIPE, env=env,
            cwd=str(ROOT))
        while b"bounces: taking" not in await service.stderr.readline():
            pass
        drain = asyncio.create_task(service.stderr.read())
        typing, done = asyncio.Event(), asyncio.Event()
        app_task = asyncio.create_task(type_meanwhile(db, typing, done))
        await asyncio.sleep(sized(3, 1))  # the app is up and typing
        typing.set()
        mx = await asyncio.create_subprocess_exec(
            sys.executable, "-c", MX, str(port), str(tags_file),
            str(ROOT / "tests" / "fixtures" / "postfix-dsn-failed.eml"), str(CONNECTIONS),
            stdout=asyncio.subprocess.PIPE)
        out, _err = await mx.communicate()
        done.set()
        latencies = await app_task
        service.terminate()
        await service.wait()
        await drain
        sent = json.loads(out)
        from store import Store

        store = await Store.open(db)
        try:
            counts = await store.clients.status_counts(await store.firm_id(), 2025)
        finally:
            await store.close()
    assert sent["sent"] == N and counts["failed"] == N, (sent, counts)
    print_figure({
        "bounces": N,
        "bounces_per_s": round(N / sent["seconds"], 1),
        "keystrokes": len(latencies),
        # a small run may end before a key is timed
        "keystroke_median_ms": round(median(latencies), 1) if latencies else None,
        "keystroke_p95_ms": round(p95(latencies), 1) if latencies else None,
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    asyncio.run(main())
