"""What linkdesk sends to the terminal, in bytes, for each thing a preparer does: what a slow SSH
link must carry. In a real pty at 80x24 with 5,000 clients: startup to sign-in, sign-in to the
list, one arrow down, one page down, one search letter, help open and close, and idle on the
sign-in screen and on the list (bytes a second, measured after 10 s without a key).

Each step waits until the app has been quiet for QUIET_S, then counts the bytes it wrote. Last
line: a JSON object with every figure and issue 14's goals.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, cpu_calibration_s, ensure_clients_db

CLIENTS = 5_000
QUIET_S = 0.4  # no byte for this long: the step is drawn
IDLE_AFTER_S = 10.0
IDLE_FOR_S = 30.0


def settle(app: PtyApp, timeout: float = 15.0) -> None:
    deadline = time.perf_counter() + timeout
    last, since = app.mark(), time.perf_counter()
    while time.perf_counter() < deadline:
        time.sleep(0.02)
        now = app.mark()
        if now != last:
            last, since = now, time.perf_counter()
        elif time.perf_counter() - since >= QUIET_S:
            return


def step(app: PtyApp, keys: str, wait: str | None = None) -> int:
    """Bytes written for `keys` (after waiting for `wait`, when given, to be drawn)."""
    before = app.mark()
    app.send(keys)
    if wait:
        app.wait_for(wait, after=before)
    settle(app)
    return app.mark() - before


def idle_rate(app: PtyApp) -> float:
    """Bytes a second once nobody has typed for IDLE_AFTER_S, over IDLE_FOR_S."""
    time.sleep(IDLE_AFTER_S)
    before = app.mark()
    time.sleep(IDLE_FOR_S)
    return (app.mark() - before) / IDLE_FOR_S


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = ensure_clients_db(Path(tmp) / "clients.db", CLIENTS)
        app = PtyApp("--db", str(db), cols=80, rows=24,
                     env={"XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp})
        try:
            app.wait_for("linkdesk")
            settle(app)
            startup = app.mark()
            sign_in_idle = idle_rate(app)
            app.send("marie\r")
            settle(app)
            to_list = step(app, "correct horse battery\r", "shown of")
            screen = to_list  # the whole list screen drawn once: the unit of the goals
            arrow = min(step(app, "\x1b[B") for _ in range(5))  # down, five times
            page = step(app, "\x1b[6~")  # page down
            letter = step(app, "/g")  # to the search box and one letter
            step(app, "\x1b")  # back to the list
            help_open = step(app, "?", "Keys")
            help_close = step(app, "\x1b")
            list_idle = idle_rate(app)
        finally:
            app.close()
    print(json.dumps({
        "clients": CLIENTS,
        "startup_to_sign_in_bytes": startup,
        "sign_in_to_list_bytes": to_list,
        "arrow_down_bytes": arrow,
        "page_down_bytes": page,
        "search_letter_bytes": letter,
        "help_open_bytes": help_open,
        "help_close_bytes": help_close,
        "idle_sign_in_bytes_per_s": round(sign_in_idle, 1),
        "idle_list_bytes_per_s": round(list_idle, 1),
        # A page down redraws every row of the table: the unit of "one repaint of the table".
        "goals": {"arrow_down_bytes": 650, "page_down_bytes": screen,
                  "search_letter_bytes": page, "help_open_bytes": round(1.2 * screen),
                  "idle_bytes_per_s": 20},
        "cpu_calibration_s": cpu_calibration_s(),
    }))


if __name__ == "__main__":
    main()
