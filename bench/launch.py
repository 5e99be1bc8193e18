"""Launch to the client list drawn and taking keys, on 100,000 clients, in a real pty.

Measures, over several runs: process start → sign-in screen drawn; Enter on the password →
the first page of clients drawn (argon2 check included; the counts line lands just after);
and a key sent to the list → its effect drawn. A bare Textual app's first frame, measured the
same way, is printed for scale.
The figure is launch_to_list_s: start → sign-in drawn + password Enter → list drawn (the time a
person spends typing is left out). Last line: a JSON object.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, clients_db, cpu_calibration_s, first_row, print_figure, sized

RUNS = sized(9, 2)


def one_run(db: Path) -> dict:
    app = PtyApp("--db", str(db))
    try:
        drawn = app.wait_for("Sign in to linkdesk")
        to_sign_in = drawn - app.started
        time.sleep(0.3)
        app.send("marie\r")
        time.sleep(0.2)
        app.send("correct horse battery")
        time.sleep(0.2)
        mark = app.mark()
        pressed = time.perf_counter()
        app.send("\r")
        listed = app.wait_for(first_row(db), after=mark)
        mark = app.mark()
        key_sent = time.perf_counter()
        app.send("f")  # the status filter: the list redraws with the Not invited clients
        answered = app.wait_for("shown of", timeout=5, after=mark)
        return {
            "to_sign_in_s": to_sign_in,
            "sign_in_to_list_s": listed - pressed,
            "first_key_s": answered - key_sent,
        }
    finally:
        app.close()


BARE_APP = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("Bare app drawn")
Bare().run()
"""


def bare_textual() -> float:
    app = PtyApp(python_code=BARE_APP)
    try:
        return app.wait_for("Bare app drawn") - app.started
    finally:
        app.close()


def main() -> None:
    with clients_db() as (db, clients):
        bare = statistics.median(bare_textual() for _ in range(RUNS))
        runs = [one_run(db) for _ in range(RUNS)]
    result = {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]}
    result["launch_to_list_s"] = round(result["to_sign_in_s"] + result["sign_in_to_list_s"], 3)
    result["bare_textual_first_frame_s"] = round(bare, 3)
    result["runs"] = RUNS
    result["clients"] = clients
    result["cpu_calibration_s"] = cpu_calibration_s()
    print_figure(result)


if __name__ == "__main__":
    main()
