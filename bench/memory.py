"""Resident memory of linkdesk with the client list of 100,000 clients open, in a real pty.

Reads VmRSS once the list is drawn, then again after paging down 50 screens and searching,
so that rows fetched while scrolling count too. Last line: a JSON object (MiB).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, clients_db, first_row, print_figure


def main() -> None:
    with clients_db() as (db, clients):
        opened, scrolled = measure(db)
    print_figure({
        "rss_list_open_mib": round(opened, 1),
        "rss_after_scroll_and_search_mib": round(scrolled, 1),
        "clients": clients,
    })


def measure(db: Path) -> tuple[float, float]:
    app = PtyApp("--db", str(db))
    try:
        app.wait_for("Sign in to linkdesk")
        time.sleep(0.3)
        app.send("marie\r")
        time.sleep(0.2)
        app.send("correct horse battery\r")
        app.wait_for(first_row(db))
        time.sleep(0.5)
        opened = app.rss_mib()
        for _ in range(50):
            app.send("\x1b[6~")  # page down
            time.sleep(0.02)
        app.send("/gagnon")
        time.sleep(1.0)
        scrolled = app.rss_mib()
    finally:
        app.close()
    return opened, scrolled


if __name__ == "__main__":
    main()
