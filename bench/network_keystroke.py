"""Keystroke to network results shown in the search screen, over 1,000,000 members (headless).

Needs bench/network-1m.db (bench/network_search.py builds it; at the small size,
LINKDESK_BENCH_SMALL=1, a small directory is built in a temporary directory instead). Types
company names and parts of names key by key, then backspaces, into the network search screen
opened from a member's books; each key is handed over as the terminal driver hands it, and timed
to the result list's first line being drawn (or, when nothing matches, to the search having
answered).
Last line: a JSON object with the median and p95 in milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import (
    ROOT,
    SMALL,
    cpu_calibration_s,
    idle,
    p95,
    patience,
    print_figure,
    send_key,
    sized,
)

TERMS = sized(["gagnon", "plomberie", "québec", "tremb", "consult", "omberie", "côté", "zzq",
               "boulangerie roy", "akery"], ["gagnon", "zzq"])


async def run(db: Path, members: int) -> dict:
    from linkdesk.settings import Settings
    from store import Store
    from store.models import Company
    from tui.app import make_app
    from tui.screens.network_search import NetworkSearchScreen
    from tui.widgets.member_matches import MemberMatches

    store = await Store.open(str(db))
    store.network.limiter.limit = 10**9  # a bench is not a person: no rate limit
    books = await store.scalar(Company.select(Company.id).where(
        (Company.kind == "member") & (Company.region == "CA")).limit(1))
    await store.release()
    app = make_app(Settings(db_url=str(db), tax_year=2025), store)
    shown_ms: list[float] = []
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = NetworkSearchScreen(books, "Bench")
            await app.push_screen(screen)
            await idle(app)
            results = screen.query_one(MemberMatches)
            drawn: list[float] = []
            answered = [screen.searches]
            render_line = results.render_line

            def timed_render_line(y: int):
                if not drawn and screen.searches > answered[0]:
                    drawn.append(time.perf_counter())
                return render_line(y)

            results.render_line = timed_render_line

            async def keystroke(key: str) -> None:
                drawn.clear()
                answered[0] = screen.searches
                started = send_key(app, key)
                deadline = started + patience(10)
                while not drawn:
                    if screen.searches > answered[0] and not results.display:
                        await asyncio.sleep(0)  # nothing to draw: the answer is the result
                        drawn.append(time.perf_counter())
                        break
                    if time.perf_counter() > deadline:
                        raise TimeoutError(f"no results after key {key!r}")
                    await asyncio.sleep(0.0005)
                shown_ms.append((drawn[0] - started) * 1000)
                await idle(app)

            for term in TERMS:
                for char in term:
                    await keystroke(char)
                for _ in term:
                    await keystroke("backspace")
    finally:
        await store.close()
    return {
        "keystrokes": len(shown_ms),
        "shown_median_ms": round(statistics.median(shown_ms), 1),
        "shown_p95_ms": round(p95(shown_ms), 1),
        "members": members,
        "cpu_calibration_s": cpu_calibration_s(),
    }


def main() -> None:
    if SMALL:
        from network_search import MEMBERS, build

        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "network.db"
            build(str(db), Path(tmp) / "members.csv")
            print_figure(asyncio.run(run(db, MEMBERS)))
        return
    db = ROOT / "bench" / "network-1m.db"
    if not db.exists():
        sys.exit("bench/network-1m.db is missing: run bench/network_search.py first")
    print_figure(asyncio.run(run(db, 1_000_000)))


if __name__ == "__main__":
    main()
