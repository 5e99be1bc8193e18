"""`linkdesk demo` to its desk shown: the client list's rows and counts drawn, in a real pty.

The demo makes its firm (300 clients through the store's own operations: invitations queued,
delivered, refused, expired, re-sent, accepted, reminders falling due) before the desk can
show them. Measured from process start to the list's count line drawn ("… shown of …"), the
median of several runs; a bare Textual app's first frame, measured the same way, for scale.
Last line: a JSON object.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import PtyApp, cpu_calibration_s, print_figure, sized
from launch import bare_textual

RUNS = sized(7, 1)


def one_run() -> float:
    # English whatever the machine's locale: the line waited for is the English one.
    app = PtyApp("demo", env={"LINKDESK_LANG": "en"})
    try:
        return app.wait_for("shown of", timeout=60) - app.started
    finally:
        app.close()


def main() -> None:
    bare = statistics.median(bare_textual() for _ in range(RUNS))
    runs = [one_run() for _ in range(RUNS)]
    print_figure({
        "demo_to_desk_s": round(statistics.median(runs), 3),
        "demo_to_desk_max_s": round(max(runs), 3),
        "bare_textual_first_frame_s": round(bare, 3),
        "runs": RUNS,
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    main()
