"""1,000 invitations through linkdesk's own path, against a bare aiosmtplib loop, same server.

The SMTP server (aiosmtpd, discarding) runs in another process. The bare loop sends 1,000
pre-composed messages over 8 concurrent reused connections. The product path is a bulk
invitation: it queues 1,000 invitations (tokens, composing, outbox, statuses, events; 200 per
transaction) while the app's delivery worker, over a pool of 8 relay connections, claims them in
batches, sends them and records each result (status, event). The clock stops when the store
shows all 1,000 pending. The same again through `linkdesk serve` in its own process: this
process queues as a terminal or `linkdesk invite` does, the service (woken by the database's
change signal) delivers. Last line: a JSON object with the rates and their ratios to the bare
loop; `service_ratio` is the figure of issue 11.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import cpu_calibration_s, print_figure, sink_smtp_server, sized

N = sized(1000, 100)
CONNECTIONS = 8
BULK_CHUNK = 200  # clients queued per transaction, as the bulk invitation does
ROUNDS = sized(3, 1)


def cpu_s() -> float:
    """CPU seconds of this process, its SQLite thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bare_loop(port: int) -> float:
    import aiosmtplib

    from linkdesk.mail.compose import Invitation, compose, new_message_id

    message = compose(Invitation("Firm", "firm@example.com", "Client", "c@example.com",
                                 "Subject", "Body", "http://127.0.0.1:8765/i/x"),
                      new_message_id("firm@example.com"), __import__("datetime").datetime.now())
    queue: asyncio.Queue = asyncio.Queue()  # composed bytes, sent as they are
    for _ in range(N):
        queue.put_nowait(message)

    async def connection():
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await smtp.connect()
        while not queue.empty():
            await smtp.sendmail("firm@example.com", ["c@example.com"], queue.get_nowait())
        await smtp.quit()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return N / (time.perf_counter() - started)


async def product_path(port: int, connections: int) -> dict:
    from linkdesk.mail.delivery import DeliveryWorker
    from linkdesk.mail.outgoing import invitation_builder
    from linkdesk.mail.relay import RelayConfig
    from linkdesk.mail.sender import SmtpPool
    from store import ClientDraft, Store, check_draft
    from store.invitations import InviteRequest

    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "bench.db"))
        try:
            preparer = await store.accounts.create("marie", "m@example.com",
                                                   "correct horse battery", "Firm")
            ids = []
            for i in range(N):
                clean = check_draft(ClientDraft(kind="organization",
                                                organization_name=f"Client {i}",
                                                email=f"c{i}@example.com"))
                ids.append(await store.clients.add(preparer.firm_id, clean, preparer.id))
            await store.release()
            counts_before = await store.clients.status_counts(preparer.firm_id, 2025)
            assert counts_before["pending"] == 0

            recorded = asyncio.Event()

            def on_change():  # the app refreshes its list here; the bench looks at the counts
                recorded.set()

            # What the app runs: one delivery worker over a pool of relay connections, woken
            # as the bulk invitation queues its chunks (each chunk one transaction).
            worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", port, "plain"),
                                                    connections), on_change)
            started = time.perf_counter()
            worker.start()

            async def queue_all():
                for first in range(0, N, BULK_CHUNK):
                    requests = [
                        InviteRequest(client_id, 2025, f"c{i}@example.com", "en",
                                      invitation_builder(
                                          firm_name="Firm", sender_address="firm@example.com",
                                          recipient_name=f"Client {i}",
                                          recipient_address=f"c{i}@example.com",
                                          subject="Invitation", body="Hello", language="en"))
                        for i, client_id in enumerate(ids[first:first + BULK_CHUNK], first)]
                    outcome = await store.invitations.invite_many(
                        requests, preparer.id, "http://127.0.0.1:8765")
                    assert len(outcome.invited) == len(requests), outcome.refused
                    worker.wake()
                await store.release()
                return time.perf_counter()

            cpu_started = cpu_s()
            queued = await queue_all()
            while True:
                await recorded.wait()
                recorded.clear()
                counts = await store.clients.status_counts(preparer.firm_id, 2025)
                await store.release()
                if counts["pending"] == N:
                    break
            done = time.perf_counter()
            cpu_ms = (cpu_s() - cpu_started) * 1000 / N
            await worker.stop()
        finally:
            await store.close()
    return {"per_s": N / (done - started), "queue_per_s": N / (queued - started),
            "cpu_ms": cpu_ms}


async def _firm(store):
    from store import ClientDraft, check_draft

    preparer = await store.accounts.create("marie", "m@example.com", "correct horse battery",
                                           "Firm")
    cleans = [check_draft(ClientDraft(kind="organization", organization_name=f"Client {i}",
                                      email=f"c{i}@example.com")) for i in range(N)]
    ids = await store.clients.add_many(preparer.firm_id, cleans, preparer.id)
    await store.release()
    return preparer, ids


async def service_path(port: int) -> dict:
    """Queue here, deliver in `linkdesk serve`; the clock runs from the first chunk queued to
    the store showing all pending."""
    import os

    from linkdesk.mail.outgoing import invitation_builder
    from store import Store
    from store.changes import ChangeWatcher
    from store.invitations import InviteRequest

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        store = await Store.open(db)
        try:
            preparer, ids = await _firm(store)
            service = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "linkdesk", "serve", "--db", db, "--port", "0",
                "--smtp", f"smtp://127.0.0.1:{port}", "--link-base", "https://portal.example",
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, "LINKDESK_SMTP_CONNECTIONS": str(CONNECTIONS),
                     "XDG_DATA_HOME": tmp, "PYTHONUNBUFFERED": "1"},
                cwd=str(Path(__file__).resolve().parents[1]))
            while b"page: serving" not in await service.stderr.readline():
                pass
            drain = asyncio.create_task(service.stderr.read())
            # Watched as a terminal watches: the counts read again when the database changes
            # (reading them every few milliseconds took a quarter of a core from the service).
            changed = asyncio.Event()
            watcher = await ChangeWatcher(store, changed.set).start()
            started = time.perf_counter()
            for first in range(0, N, BULK_CHUNK):
                requests = [
                    InviteRequest(client_id, 2025, f"c{i}@example.com", "en", invitation_builder(
                        firm_name="Firm", sender_address="firm@example.com",
                        recipient_name=f"Client {i}", recipient_address=f"c{i}@example.com",
                        subject="Invitation", body="Hello", language="en"))
                    for i, client_id in enumerate(ids[first:first + BULK_CHUNK], first)]
                await store.invitations.invite_many(requests, preparer.id,
                                                    "https://portal.example")
            await store.release()
            while (await store.clients.status_counts(preparer.firm_id, 2025))["pending"] < N:
                await store.release()
                await changed.wait()
                changed.clear()
            done = time.perf_counter()
            await watcher.stop()
            service.terminate()
            await service.wait()
            await drain
        finally:
            await store.close()
    return {"per_s": N / (done - started)}


async def main() -> None:
    # Each path ROUNDS times, interleaved, and its best kept (as timeit does): the machines
    # are shared, and one slow moment in a single run moved the bare loop by half.
    bare_runs, product_runs, served_runs = [], [], []
    with sink_smtp_server() as port:
        for _ in range(ROUNDS):
            bare_runs.append(await bare_loop(port))
            product_runs.append(await product_path(port, connections=CONNECTIONS))
            served_runs.append(await service_path(port))
    bare = max(bare_runs)
    product = max(product_runs, key=lambda r: r["per_s"])
    served = max(served_runs, key=lambda r: r["per_s"])
    print_figure({
        "bare_aiosmtplib_per_s": round(bare, 1),
        "product_per_s": round(product["per_s"], 1),
        "ratio": round(product["per_s"] / bare, 3),
        "service_per_s": round(served["per_s"], 1),
        "service_ratio": round(served["per_s"] / bare, 3),
        "queue_per_s": round(product["queue_per_s"], 1),
        # CPU of the in-process path (queueing, delivery, records) per invitation, the least
        # of the rounds: less moved by the other processes than the rates.
        "product_cpu_ms": round(min(r["cpu_ms"] for r in product_runs), 2),
        "connections": CONNECTIONS,
        "invitations": N,
        "rounds": ROUNDS,
        "cpu_calibration_s": cpu_calibration_s(),
    })


if __name__ == "__main__":
    asyncio.run(main())
