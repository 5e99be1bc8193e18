"""From the acceptance POST to "Invitation accepted" shown in a running app, on both backends.

The page is served by `linkdesk serve` in its own process, so the app learns of the acceptance
only through its change watcher: PRAGMA data_version on SQLite, LISTEN/NOTIFY on PostgreSQL
(LINKDESK_TEST_PG names the server, as for the tests). LINKDESK_BENCH_SMALL=1: two acceptances a
backend, PostgreSQL left out when it does not answer (except under CI=true).
Last line: a JSON object (milliseconds).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import sys
import tempfile
import time
from email import message_from_bytes
from email.policy import default
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import (
    SMALL,
    drop,
    free_port,
    patience,
    pg_database,
    pg_reachable,
    print_figure,
    sized,
)

ACCEPTS = sized(7, 2)


async def measure(db_url: str, data_dir: Path) -> list[float]:
    import os

    import aiohttp

    from linkdesk.mail.outgoing import invitation_builder
    from linkdesk.runtime import Runtime
    from linkdesk.settings import Settings
    from store import ClientDraft, Store, check_draft
    from tui.app import make_app
    from tui.screens.clients import ClientsScreen
    from tui.widgets.client_table import ClientTable

    store = await Store.open(db_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    preparer = await store.accounts.create("marie", "m@example.com", "correct horse battery",
                                           "Firm")
    links = {}
    for i in range(ACCEPTS):
        clean = check_draft(ClientDraft(kind="organization", organization_name=f"Client {i}",
                                        email=f"c{i}@example.com"))
        client_id = await store.clients.add(preparer.firm_id, clean, preparer.id)
        build = invitation_builder(firm_name="Firm", sender_address="f@example.com",
                                   recipient_name=f"Client {i}",
                                   recipient_address=f"c{i}@example.com",
                                   subject="Invitation", body="Hello", language="en")
        await store.invitations.invite(client_id, 2025, preparer.id, base,
                                       f"c{i}@example.com", "en", build)
        job = await store.invitations.claim()
        text = message_from_bytes(job.raw, policy=default).get_body(("plain",)).get_content()
        links[client_id] = re.search(r"http://\S+/i/[\w-]+", text).group(0)
        await store.invitations.delivered(job, "250 OK")
    await store.db.aclose()
    # Started once the messages are claimed here: the service would deliver them itself.
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "serve", "--db", db_url, "--port", str(port),
        stderr=asyncio.subprocess.PIPE, cwd=str(Path(__file__).resolve().parents[1]),
        env={**os.environ, "XDG_DATA_HOME": str(data_dir), "PYTHONUNBUFFERED": "1"})
    while b"page: serving" not in await service.stderr.readline():
        pass
    drain = asyncio.create_task(service.stderr.read())

    settings = Settings(db_url=db_url, tax_year=2025, link_base="https://portal.example.com",
                        data_dir=data_dir)
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    latencies = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            result = await store.accounts.sign_in("marie", "correct horse battery")
            app.signed_in(result.preparer)
            while not isinstance(app.screen, ClientsScreen):
                await asyncio.sleep(0.01)
            table = app.screen.query_one(ClientTable)
            while table.loads == 0 or not runtime.started:  # services start once it is drawn
                await asyncio.sleep(0.01)

            def shown(client_id: int) -> str | None:
                return next((r.status for r in table.loaded_rows() if r.id == client_id), None)

            async with aiohttp.ClientSession() as http:
                for client_id, link in links.items():
                    await asyncio.sleep(0.3)
                    started = time.perf_counter()
                    async with http.post(link) as response:
                        assert response.status == 200
                    while shown(client_id) != "accepted":
                        if time.perf_counter() - started > patience(5):
                            raise TimeoutError("acceptance never shown")
                        await asyncio.sleep(0.002)
                    latencies.append((time.perf_counter() - started) * 1000)
    finally:
        await runtime.stop()
        service.terminate()
        await service.wait()
        await drain
        await store.close()
    return latencies


async def main() -> None:
    result = {}
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        measured["sqlite"] = await measure(str(Path(tmp) / "accept.db"), Path(tmp) / "data")
        if not SMALL or await pg_reachable():
            name, url = await pg_database()
            try:
                measured["postgresql"] = await measure(url, Path(tmp) / "data-pg")
            finally:
                await drop(name)
        else:
            result["postgresql"] = "left out: the server does not answer"
    for backend, values in measured.items():
        result[f"{backend}_median_ms"] = round(statistics.median(values), 1)
        result[f"{backend}_max_ms"] = round(max(values), 1)
    result["accepts_per_backend"] = ACCEPTS
    print_figure(result)


if __name__ == "__main__":
    asyncio.run(main())
