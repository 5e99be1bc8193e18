"""How soon delivery resumes once the relay is back, after an outage and after a tarpit.

A real delivery worker (8 connections, as the service runs it) and a real SMTP server
(aiosmtpd, discarding) on a fixed port. Outage: nothing listens on the port; a message is
queued; the worker pauses on the refused connection; after OUTAGE_S the relay comes up, and
the clock runs from then until the store calls the message sent. Tarpit: the port accepts
connections and never says a word for OUTAGE_S (the worker's probe waits in it), then the
tarpit closes what it holds and the relay comes up. The slow schedule meant for a wrong
password (5 s ... 5 min) resumed 41 s to 4 minutes late; issue 25, item 5, asks within 10 s.
Last line: a JSON object, seconds from the relay's return to the message sent, each round.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty_app import free_port, print_figure, sized

OUTAGE_S = sized(30.0, 3.0)
ROUNDS = sized(3, 1)


async def _tarpit(port: int) -> tuple[asyncio.Server, list]:
    held: list = []

    async def hold(_reader, writer):
        held.append(writer)  # accepted, and never a greeting

    return await asyncio.start_server(hold, "127.0.0.1", port), held


async def _relay(port: int) -> asyncio.Server:
    from aiosmtpd.handlers import Sink
    from aiosmtpd.smtp import SMTP

    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: SMTP(Sink(), loop=loop), "127.0.0.1", port)


async def one_round(kind: str) -> float:
    from linkdesk.mail.delivery import DeliveryWorker
    from linkdesk.mail.outgoing import invitation_builder
    from linkdesk.mail.relay import RelayConfig
    from linkdesk.mail.sender import SmtpPool
    from store import ClientDraft, Store, check_draft
    from store.invitations import InviteRequest
    from store.models import Outbox

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        store = await Store.open(str(Path(tmp) / "outage.db"))
        tarpit = held = None
        if kind == "tarpit":
            tarpit, held = await _tarpit(port)
        worker = DeliveryWorker(store, SmtpPool(RelayConfig("127.0.0.1", port, "plain",
                                                            timeout=30.0), 8))
        try:
            preparer = await store.accounts.create("marie", "m@example.com",
                                                   "correct horse battery", "Firm")
            client = await store.clients.add(preparer.firm_id, check_draft(ClientDraft(
                kind="organization", organization_name="Client", email="c@example.com")),
                preparer.id)
            await store.invitations.invite_many([InviteRequest(
                client, 2025, "c@example.com", "en", invitation_builder(
                    firm_name="Firm", sender_address="firm@example.com",
                    recipient_name="Client", recipient_address="c@example.com",
                    subject="Invitation", body="Hello", language="en"))],
                preparer.id, "https://portal.example")
            await store.release()
            worker.start()
            await asyncio.sleep(OUTAGE_S)
            if kind == "outage":
                assert worker.paused, "a refused connection pauses delivery"
            if tarpit is not None:
                tarpit.close()
                for writer in held:
                    writer.close()
                await tarpit.wait_closed()
            relay = await _relay(port)
            back = time.perf_counter()
            while True:
                state = await store.scalar(Outbox.select(Outbox.state))
                await store.release()
                if state == "sent":
                    break
                await asyncio.sleep(0.05)
            took = time.perf_counter() - back
            relay.close()
        finally:
            await worker.stop()
            await store.close()
    return took


async def main() -> None:
    figures: dict[str, list[float]] = {"outage": [], "tarpit": []}
    for _ in range(ROUNDS):
        for kind in figures:
            took = await one_round(kind)
            figures[kind].append(round(took, 2))
            print(f"{kind} of {OUTAGE_S:.0f} s: sent {took:.2f} s after the relay came back",
                  flush=True)
    print_figure({"outage_s": OUTAGE_S, "resumed_after_s": figures,
                  "max_s": max(max(v) for v in figures.values())})


if __name__ == "__main__":
    asyncio.run(main())
