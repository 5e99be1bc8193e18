"""Webhook events per second from `linkdesk serve` to a receiver on this machine.

5,000 events (small: 200) are queued in the SQLite database (as acceptances and bill decisions
queue them: in their own transactions, 50 at a time here), then `linkdesk serve` is started
with hooks.url pointing at an aiohttp receiver in this process, which checks every signature
and answers 204. Timed from the first request received to the last event recorded as
delivered. Last line: a JSON object with the events delivered per second, how many came twice
(none without a crash) and the machine's speed at the time (cpu_calibration_s).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import cpu_calibration_s, patience, print_figure, sized

from linkdesk.hooks.signing import verify

N = sized(5_000, 200)
SECRET = "whsec_bench_0c5d"


async def main() -> None:
    from aiohttp import web

    from store import Store
    from store.models import HookEvent

    work = Path(tempfile.mkdtemp(prefix="linkdesk-hooks-bench-"))
    db = str(work / "linkdesk.db")
    store = await Store.open(db)
    for start in range(0, N, 50):
        async with store.write():
            await store.hooks.queue("invitation.accepted", [
                {"client": {"id": i, "kind": "individual", "name": f"Client {i}",
                            "email": f"c{i}@example.com", "language": "fr"}, "tax_year": 2025}
                for i in range(start, min(N, start + 50))])
    seen: set[str] = set()
    twice = bad = 0
    first_at: float | None = None

    async def hook(request: web.Request) -> web.Response:
        nonlocal twice, bad, first_at
        body = await request.read()
        first_at = first_at or time.perf_counter()
        if not verify(SECRET, request.headers.get("Linkdesk-Signature", ""), body):
            bad += 1
            return web.Response(status=400)
        event_id = request.headers["Linkdesk-Event-Id"]
        twice += event_id in seen
        seen.add(event_id)
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hooks", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    secret = work / "hooks-secret"
    secret.write_text(SECRET + "\n")
    env = {**os.environ, "LINKDESK_HOOKS_URL": f"http://127.0.0.1:{port}/hooks",
           "LINKDESK_HOOKS_SECRET_FILE": str(secret), "XDG_DATA_HOME": str(work / "data")}
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "serve", "--db", db, "--port", "0",
        "--link-base", "https://portal.example.ca", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        async with asyncio.timeout(patience(120)):
            while True:
                waiting = await store.scalar(HookEvent.select(HookEvent.id).where(
                    HookEvent.state != "sent").limit(1))
                if waiting is None and len(seen) == N:
                    break
                await asyncio.sleep(0.02)
        took = time.perf_counter() - first_at
    finally:
        service.terminate()
        await service.wait()
        await runner.cleanup()
        await store.close()
        shutil.rmtree(work, ignore_errors=True)
    assert bad == 0, f"{bad} signatures did not check out"
    print(f"{N} events delivered in {took:.2f} s; {twice} came twice", file=sys.stderr)
    print_figure({"events": N, "events_per_s": round(N / took), "twice": twice,
                  "backend": "sqlite", "cpu_calibration_s": cpu_calibration_s()})


if __name__ == "__main__":
    asyncio.run(main())
