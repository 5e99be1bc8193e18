"""One search keystroke to the table updated, on 100,000 clients, in the real app (headless).

Types realistic searches key by key (names, accents, email fragments, then backspaces) into the
client list's search box. Each key is handed to the app as the terminal driver hands it over,
and timed from there to the compositor drawing the first line of the new rows; separately, to
the row count landing (it is read in parallel, on another connection). Pilot's press() is not
used for timing: it waits for the whole process to go idle, which is not what a person sees.
Last line: a JSON object with the median and p95 in milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import (
    FirstRows,
    clients_db,
    cpu_calibration_s,
    idle,
    p95,
    print_figure,
    send_key,
    sized,
)

SEARCHES = sized(["gagnon", "tremb", "émilie", "@gmail", "plomberie", "o'brien", "zzq",
                  "côté roy", "info1", "lee"], ["gagnon", "zzq"])


async def run(db: Path, clients: int) -> dict:
    from linkdesk.settings import Settings
    from store import Store
    from tui.app import make_app
    from tui.screens.clients import ClientsScreen
    from tui.widgets.client_table import ClientTable

    store = await Store.open(str(db))
    app = make_app(Settings(db_url=str(db), tax_year=2025), store)
    rows_ms: list[float] = []
    count_ms: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            result = await store.accounts.sign_in("marie", "correct horse battery")
            app.signed_in(result.preparer)
            while not isinstance(app.screen, ClientsScreen):
                await asyncio.sleep(0.01)
            await idle(app)
            table = app.screen.query_one(ClientTable)
            await pilot.press("slash")
            rows = FirstRows(table)

            async def keystroke(key: str) -> None:
                rows.arm()
                started = send_key(app, key)
                drawn = await rows.wait()
                if drawn is None:
                    raise TimeoutError(f"no redraw after key {key!r}")
                rows_ms.append((drawn - started) * 1000)
                await idle(app)
                count_ms.append((time.perf_counter() - started) * 1000)

            for term in SEARCHES:
                for char in term:
                    await keystroke(char)
                for _ in term:
                    await keystroke("backspace")
    finally:
        await store.close()
    return {
        "keystrokes": len(rows_ms),
        "rows_median_ms": round(statistics.median(rows_ms), 1),
        "rows_p95_ms": round(p95(rows_ms), 1),
        "count_median_ms": round(statistics.median(count_ms), 1),
        "count_p95_ms": round(p95(count_ms), 1),
        "clients": clients,
        "cpu_calibration_s": cpu_calibration_s(),
    }


def main() -> None:
    with clients_db() as (db, clients):
        print_figure(asyncio.run(run(db, clients)))


if __name__ == "__main__":
    main()
