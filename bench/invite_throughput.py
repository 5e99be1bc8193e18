"""1,000 invitations through linkdesk's own path, against a bare aiosmtplib loop, same server.

The SMTP server (aiosmtpd, discarding) runs in another process. The bare loop sends 1,000
pre-composed messages over 8 concurrent reused connections. The product path queues 1,000
invitations (store, composing, outbox; one transaction each) and lets delivery workers send them
and record each result (status update, event). Last line: a JSON object with both rates and
their ratio.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import cpu_calibration_s

N = 1000
CONNECTIONS = 8


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def bare_loop(port: int) -> float:
    import aiosmtplib

    from mail.compose import Invitation, compose, new_message_id

    message = compose(Invitation("Firm", "firm@example.com", "Client", "c@example.com",
                                 "Subject", "Body", "http://127.0.0.1:8765/i/x"),
                      new_message_id("firm@example.com"), __import__("datetime").datetime.now())
    queue: asyncio.Queue = asyncio.Queue()
    for _ in range(N):
        queue.put_nowait(message)

    async def connection():
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await smtp.connect()
        while not queue.empty():
            await smtp.send_message(queue.get_nowait())
        await smtp.quit()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return N / (time.perf_counter() - started)


async def product_path(port: int, workers: int) -> dict:
    from mail.delivery import DeliveryWorker
    from mail.outgoing import invitation_builder
    from mail.relay import RelayConfig
    from mail.sender import SmtpSender
    from store import ClientDraft, Store, check_draft

    with tempfile.TemporaryDirectory() as tmp:
        # pwasyncio pins a connection to each task: one per worker, one for this task.
        store = await Store.open(str(Path(tmp) / "bench.db"), pool_size=workers + 2)
        try:
            preparer = await store.accounts.create("marie", "m@example.com",
                                                   "correct horse battery", "Firm")
            ids = []
            for i in range(N):
                clean = check_draft(ClientDraft(kind="organization",
                                                organization_name=f"Client {i}",
                                                email=f"c{i}@example.com"))
                ids.append(await store.clients.add(preparer.firm_id, clean, preparer.id))
            started = time.perf_counter()
            for i, client_id in enumerate(ids):
                build = invitation_builder(
                    firm_name="Firm", sender_address="firm@example.com",
                    recipient_name=f"Client {i}", recipient_address=f"c{i}@example.com",
                    subject="Invitation", body="Hello", language="en")
                await store.invitations.invite(client_id, 2025, preparer.id,
                                               "http://127.0.0.1:8765", f"c{i}@example.com",
                                               "en", build)
            queued = time.perf_counter()
            await store.db.aclose()  # this task's connection back to the pool for the workers

            async def drain(worker: DeliveryWorker):
                while await worker.run_once():
                    pass
                await worker.sender.close()

            pool = [DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", port, "plain")))
                    for _ in range(workers)]
            await asyncio.gather(*(drain(w) for w in pool))
            done = time.perf_counter()
            counts = await store.clients.status_counts(preparer.firm_id, 2025)
            assert counts["pending"] == N, counts
        finally:
            await store.close()
    return {"per_s": N / (done - started), "queue_per_s": N / (queued - started),
            "deliver_per_s": N / (done - queued)}


async def main() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                               f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        bare = await bare_loop(port)
        product = await product_path(port, workers=4)
    finally:
        server.terminate()
        server.wait()
    print(json.dumps({
        "bare_aiosmtplib_per_s": round(bare, 1),
        "product_per_s": round(product["per_s"], 1),
        "ratio": round(product["per_s"] / bare, 3),
        "queue_per_s": round(product["queue_per_s"], 1),
        "deliver_per_s": round(product["deliver_per_s"], 1),
        "invitations": N,
        "cpu_calibration_s": cpu_calibration_s(),
    }))


if __name__ == "__main__":
    asyncio.run(main())
