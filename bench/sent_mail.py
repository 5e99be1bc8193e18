"""Opening Sent mail (`o` in the client list) with 1, 310 and 3,000 captured messages.

    python bench/sent_mail.py       # LINKDESK_BENCH_SMALL=1: 1, 40 and 310 messages, 2 rounds

The messages are real invitations: queued through the store (half of them re-invited, so their
first link no longer works) and written to the capture's Maildir as the capture writes them.
The app runs headless (Textual Pilot); the time is from the key to the first frame of the
dialog with rows in its list ("first_rows_ms"), and to every row listed and the link state of
the rows in sight known ("complete_ms").
Last line: a JSON object with the median per size, and whether the rows carry dates.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _pty_app import SMALL, print_figure  # noqa: E402

# One message: the floor, what drawing the dialog costs whatever the Maildir holds.
SIZES = (1, 40, 310) if SMALL else (1, 310, 3000)
ROUNDS = 2 if SMALL else 5
YEAR = 2025


async def fill(store, maildir: Path, count: int) -> None:
    """`count` messages: invitations for count//2 clients, each re-invited once, all captured."""
    from linkdesk.mail.capture import _store
    from linkdesk.mail.outgoing import request_for
    from tests.helpers import add_client, make_preparer

    maildir.parent.mkdir(parents=True, exist_ok=True)  # Maildir(create=True) makes the rest
    firm = await make_preparer(store)
    clients = [await add_client(store, firm.firm_id, first_name=f"Client{n}", last_name="Roy",
                                email=f"c{n}@example.com") for n in range(count - count // 2)]
    for reinvite, chosen in ((False, clients), (True, clients[: count // 2])):
        if not chosen:
            continue
        requests = [request_for(await store.clients.details(c), YEAR, firm_name="Cabinet",
                                preparer_name="Marie", sender_address="p@cabinet.ca")
                    for c in chosen]
        await store.invitations.invite_many(requests, firm.id, "http://127.0.0.1:8765",
                                            reinvite=reinvite)
        while jobs := await store.invitations.claim_many(500):
            for job in jobs:
                _store(maildir, job.raw)
                await store.invitations.delivered(job, "250 OK")


async def one_size(count: int) -> dict:
    from linkdesk.settings import Settings
    from store import Store
    from tests.harness import settle, sign_in
    from tests.helpers import PASSWORD
    from tui.app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_url="(given store)", tax_year=YEAR, data_dir=Path(tmp) / "data")
        store = await Store.open(str(Path(tmp) / "bench.db"))
        try:
            await fill(store, settings.maildir, count)
            app = make_app(settings, store)
            first, complete, dated = [], [], False
            async with app.run_test(size=(100, 30)) as pilot:
                await sign_in(pilot, "marie", PASSWORD)
                for _round in range(ROUNDS):
                    started = time.perf_counter()
                    # Pilot's press returns once the app is idle: the key is sent beside.
                    pressing = asyncio.ensure_future(pilot.press("o"))
                    PAINTED.clear()
                    while not PAINTED:
                        await asyncio.sleep(0.0005)
                    first.append((PAINTED[0] - started) * 1000)
                    # Rows, dates and link states all in (before the fix: at once).
                    while not getattr(app.screen, "complete", True):
                        await asyncio.sleep(0.0005)
                    complete.append((time.perf_counter() - started) * 1000)
                    await pressing
                    dated = dated_rows(app)
                    await pilot.press("escape")
                    while type(app.screen).__name__ == "SentMailScreen":
                        await asyncio.sleep(0.001)
                    await settle(pilot)
        finally:
            await store.close()
    return {"messages": count, "first_rows_ms": round(statistics.median(first), 1),
            "complete_ms": round(statistics.median(complete), 1), "rows_dated": dated}


PAINTED: list[float] = []  # when the dialog was painted with rows in its list


def record_paints() -> None:
    """Note each paint of the dialog (the frame sent to the terminal) once its list has rows."""
    from tui.screens.sent_mail import SentMailScreen

    paint = SentMailScreen._paint

    def recording(screen) -> None:
        paint(screen)
        rows = screen.query("#sent-list")
        if rows and rows.first().option_count:
            PAINTED.append(time.perf_counter())

    SentMailScreen._paint = recording


def dated_rows(app) -> bool:
    """Every row shown carries a time of day (hh:mm), so a date with it."""
    import re

    rows = app.screen.query_one("#sent-list")
    texts = [str(rows.get_option_at_index(i).prompt) for i in range(min(10, rows.option_count))]
    return all(re.search(r"\b\d{1,2}:\d\d\b", text) for text in texts)


def main() -> None:
    record_paints()
    results = [asyncio.run(one_size(count)) for count in SIZES]
    for result in results:
        print(f"{result['messages']:>5} messages: first rows {result['first_rows_ms']} ms, "
              f"complete {result['complete_ms']} ms, dated rows: {result['rows_dated']}")
    print_figure({"sent_mail_open": results})


if __name__ == "__main__":
    main()
