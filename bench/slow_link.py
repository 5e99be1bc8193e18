"""A key held down on a slow link: 30 arrow-downs at a keyboard's repeat rate (30 a second)
on a 256 kbit/s line (the terminal takes 32,000 bytes a second) at 80x24 with 2,000 clients.
What counts is how long after the last key the screen is right and quiet, and how many bytes
it took: drawing every step of the way makes the preparer wait for screens nobody will read.

The line is the pty read no faster than its rate (PtyApp bytes_per_s): the app's writes then
wait, as behind sshd. Last line: a JSON object, medians over the rounds.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, ensure_clients_db, print_figure, sized

CLIENTS = sized(2_000, 300)
RATE = 32_000  # bytes a second: 256 kbit/s
KEYS = 30
ROUNDS = sized(5, 2)
QUIET_S = 0.3
REPEAT_S = 1 / 30  # a held key's repeat


def quiet_since(app: PtyApp) -> float:
    """The time of the app's last byte, once it has written nothing for QUIET_S."""
    return app.quiet(QUIET_S, timeout=30.0)


def main() -> None:
    ends, sizes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        db = ensure_clients_db(Path(tmp) / "clients.db", CLIENTS)
        app = PtyApp("--db", str(db), cols=80, rows=24, bytes_per_s=RATE,
                     env={"XDG_DATA_HOME": tmp, "XDG_CONFIG_HOME": tmp})
        try:
            app.wait_for("linkdesk")
            quiet_since(app)
            app.send("marie\r")
            quiet_since(app)
            app.send("correct horse battery\r")
            app.wait_for("shown of")
            quiet_since(app)
            for round_ in range(ROUNDS):
                before = app.mark()
                key = "\x1b[B" if round_ % 2 == 0 else "\x1b[A"  # down, then back up
                for _ in range(KEYS):
                    app.send(key)
                    time.sleep(REPEAT_S)
                last_key = time.perf_counter() - REPEAT_S
                ends.append(quiet_since(app) - last_key)
                sizes.append(app.mark() - before)
        finally:
            app.close()
    print_figure({
        "held_arrows_end_after_keys_ms": round(statistics.median(ends) * 1000, 1),
        "held_arrows_end_max_ms": round(max(ends) * 1000, 1),
        "held_arrows_bytes": int(statistics.median(sizes)),
        "keys": KEYS, "bytes_per_s": RATE, "clients": CLIENTS,
        "goal_end_ms": 150,
    })


if __name__ == "__main__":
    main()
