"""Bulk invitation of 10,000 clients to a local aiosmtpd server, with keys pressed meanwhile.

The app runs headless with its real runtime (delivery worker, relay connections) against an
aiosmtpd server in another process. The bulk invitation is started as the dialog starts it;
while it runs, an arrow key is handed to the app every 100 ms, as the terminal driver hands it
over, and timed to the client list drawing the moved cursor. The clock stops when the store
shows all 10,000 pending. Last line: a JSON object.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _pty_app import (  # noqa: E402
    cpu_calibration_s,
    p95,
    patience,
    print_figure,
    sink_smtp_server,
    sized,
)

N = sized(10_000, 300)




async def run(port: int, tmp: Path) -> dict:
    import random

    from linkdesk import demo_data
    from linkdesk.runtime import Runtime
    from linkdesk.settings import Settings
    from store import Store
    from tui.app import make_app
    from tui.screens.clients import ClientsScreen
    from tui.textual_patches.keys import key_event, send_event
    from tui.widgets.client_table import ClientTable

    db = tmp / "bulk.db"
    store = await Store.open(str(db), pool_size=8)
    preparer = await store.accounts.create("marie", "m@example.com", "correct horse battery",
                                           "Cabinet Tremblay")
    rng = random.Random(3)
    ids = await store.clients.add_many(preparer.firm_id,
                                       [demo_data.client(rng, i) for i in range(N)], preparer.id)
    await store.release()
    settings = Settings(db_url=str(db), tax_year=2025, smtp_url=f"smtp://127.0.0.1:{port}",
                        link_base="https://portal.example.com", data_dir=tmp / "data",
                        smtp_connections=8)
    runtime = Runtime(settings, store)
    app = make_app(settings, store, runtime)
    key_ms: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.signed_in(preparer)
            while not isinstance(app.screen, ClientsScreen) or not runtime.started:
                await asyncio.sleep(0.01)
            screen = app.screen
            table = screen.query_one(ClientTable)
            render_line = table.render_line
            drawn: list[float] = []
            moved_to = [table.cursor]

            def timed_render_line(y: int):
                if not drawn and table.cursor == moved_to[0]:
                    drawn.append(time.perf_counter())
                return render_line(y)

            table.render_line = timed_render_line
            started = time.perf_counter()
            screen.run_bulk(ids, False)
            direction = 1
            app.screen.set_focus(table)
            while True:
                await asyncio.sleep(0.1)
                drawn.clear()
                if table.cursor <= 0:
                    direction = 1
                elif table.cursor >= 20:
                    direction = -1
                moved_to[0] = table.cursor + direction
                event = key_event(app, "down" if direction > 0 else "up")
                pressed = time.perf_counter()
                send_event(app, event)
                while not drawn:
                    await asyncio.sleep(0.0005)
                    if time.perf_counter() - pressed > patience(5):
                        raise TimeoutError(f"no answer within {patience(5)} s: cursor "
                                           f"{table.cursor}, wanted {moved_to[0]}")
                key_ms.append((drawn[0] - pressed) * 1000)
                progress = screen.bulk.progress if screen.bulk is not None else None
                if screen.bulk is None and progress is None:
                    break
            done = time.perf_counter()
            counts = await store.clients.status_counts(preparer.firm_id, 2025)
    finally:
        await runtime.stop()
        await store.close()
    return {
        "clients": N, "seconds": round(done - started, 1), "pending": counts["pending"],
        "keys": len(key_ms), "key_median_ms": round(statistics.median(key_ms), 1),
        "key_p95_ms": round(p95(key_ms), 1),
        "cpu_calibration_s": cpu_calibration_s(),
    }


def main() -> None:
    with sink_smtp_server() as port, tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(port, Path(tmp)))
    print_figure(result)


if __name__ == "__main__":
    main()
