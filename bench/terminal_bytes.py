"""What linkdesk sends to the terminal, in bytes, for each thing a preparer does: what a slow SSH
link must carry. In a real pty at 80x24 with 5,000 clients: startup to sign-in, sign-in to the
list, one arrow down, one page down, one search letter, help open and close, and idle on the
sign-in screen and on the list (bytes a second, measured after 10 s without a key).

Each step waits until the app has been quiet for QUIET_S, then counts the bytes it wrote. Last
line: a JSON object with every figure and issue 14's goals. LINKDESK_BENCH_SMALL=1: 1,000
clients, idle measured for 1 s after 0.5 s (the idle figures are then rough).
"""

from __future__ import annotations

import contextlib
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, cpu_calibration_s, ensure_clients_db, print_figure, sized

CLIENTS = sized(5_000, 1_000)
ROWS = 24
QUIET_S = 0.4  # no byte for this long: the step is drawn
IDLE_AFTER_S = sized(10.0, 0.5)
IDLE_FOR_S = sized(30.0, 1.0)


def settle(app: PtyApp, timeout: float = 15.0) -> None:
    """Until the app has written nothing for QUIET_S (or `timeout` passed)."""
    with contextlib.suppress(TimeoutError):
        app.quiet(QUIET_S, timeout)


def step(app: PtyApp, keys: str, wait: str | None = None) -> int:
    """Bytes written for `keys` (after waiting for `wait`, when given, to be drawn)."""
    before = app.mark()
    app.send(keys)
    if wait:
        app.wait_for(wait, after=before)
    settle(app)
    return app.mark() - before


_MOVE = re.compile(rb"\x1b\[(\d+);(\d+)H")


def row_writes(raw: bytes) -> list[tuple[int, int]]:
    """(screen row, bytes) for each stretch written after a cursor move, in order."""
    moves = list(_MOVE.finditer(raw))
    return [(int(m.group(1)), (moves[i + 1].start() if i + 1 < len(moves) else len(raw))
             - m.start()) for i, m in enumerate(moves)]


def full_paints(raw: bytes, rows: int) -> list[list[tuple[int, int]]]:
    """Each whole-screen paint in `raw` (Textual writes one as a cursor move to the start of
    each line, top to bottom), as its (row, bytes) writes."""
    writes, paints = row_writes(raw), []
    for i in range(len(writes) - rows + 1):
        if [row for row, _ in writes[i:i + rows]] == list(range(1, rows + 1)):
            paints.append(writes[i:i + rows])
    return paints


def idle_rate(app: PtyApp) -> float:
    """Bytes a second once nobody has typed for IDLE_AFTER_S, over IDLE_FOR_S."""
    time.sleep(IDLE_AFTER_S)
    before = app.mark()
    time.sleep(IDLE_FOR_S)
    return (app.mark() - before) / IDLE_FOR_S


class Steps:
    """Each step's bytes, and what it drew: how many times the table, how many whole screens."""

    def __init__(self, app: PtyApp) -> None:
        self.app = app
        self.table_rows: set[int] = set()
        self.figures: dict[str, dict] = {}

    def run(self, name: str, keys: str, wait: str | None = None) -> int:
        before = self.app.mark()
        size = step(self.app, keys, wait)
        raw = self.app.raw(before)
        self.figures[name] = {
            "bytes": size,
            # each drawing of the table writes its first row of clients
            "table_draws": sum(1 for row, length in row_writes(raw)
                               if self.table_rows and row == min(self.table_rows)
                               and length > 40),
            "whole_paints": [sum(length for _, length in paint)
                             for paint in full_paints(raw, ROWS)],
        }
        return size


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = ensure_clients_db(Path(tmp) / "clients.db", CLIENTS)
        app = PtyApp("--db", str(db), cols=80, rows=ROWS,
                     env={"XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp})
        steps = Steps(app)
        try:
            app.wait_for("linkdesk")
            settle(app)
            startup = app.mark()
            sign_in_idle = idle_rate(app)
            app.send("marie\r")
            settle(app)
            steps.run("sign_in_to_list", "correct horse battery\r", "shown of")
            arrow = min(step(app, "\x1b[B") for _ in range(5))  # down, five times
            before = app.mark()
            steps.run("page_down", "\x1b[6~")
            # The table's rows: those a page down draws (a cursor move alone is a few bytes).
            steps.table_rows = {row for row, length in row_writes(app.raw(before))
                                if length > 40}
            steps.run("page_down", "\x1b[6~")  # again, now that the table's rows are known
            steps.run("to_search_box", "/")
            steps.run("search_letter", "g")
            steps.run("back_to_list", "\x1b")
            steps.run("help_open", "?", "Keys")
            steps.run("help_close", "\x1b")
            list_idle = idle_rate(app)
        finally:
            app.close()
    figures = steps.figures
    # One whole screen: the help screen painted whole, as the app paints it (its last whole
    # paint); and the sign-in's last whole paint of the list, for comparison.
    help_screen = (figures["help_open"]["whole_paints"] or [0])[-1]
    print_figure({
        "clients": CLIENTS,
        "startup_to_sign_in_bytes": startup,
        "arrow_down_bytes": arrow,
        **{name: figure for name, figure in figures.items()},
        "idle_sign_in_bytes_per_s": round(sign_in_idle, 1),
        "idle_list_bytes_per_s": round(list_idle, 1),
        # Issue 14's goals: an arrow under 650 bytes; a page down and a search letter draw the
        # table once and no whole screen; help opens in at most 1.2 whole screens; idle.
        "goals": {"arrow_down_bytes": 650,
                  "page_down": {"table_draws": 1, "whole_paints": 0},
                  "search_letter": {"table_draws": 1, "whole_paints": 0},
                  "help_open_bytes": round(1.2 * help_screen),
                  "idle_bytes_per_s": 20},
        "met": {
            "arrow_down": arrow <= 650,
            "page_down": figures["page_down"]["table_draws"] <= 1
            and not figures["page_down"]["whole_paints"],
            "search_letter": figures["search_letter"]["table_draws"] <= 1
            and not figures["search_letter"]["whole_paints"],
            "help_open": figures["help_open"]["bytes"] <= 1.2 * help_screen,
            "idle": max(sign_in_idle, list_idle) <= 20,
        },
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()
