"""The receiver the README shows (contrib/webhook_receiver.py) takes what linkdesk sends and
refuses what it did not sign: the documentation is run, not only read."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import aiohttp
from aiohttp import web

from linkdesk.hooks.sender import HookSender
from linkdesk.hooks.signing import signature_header
from linkdesk.hooks.worker import HookWorker

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec_readme"


def example():
    spec = importlib.util.spec_from_file_location("webhook_receiver",
                                                  ROOT / "contrib" / "webhook_receiver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_examples_check_as_it_is():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert inspect.getsource(example().verify) in blocks


async def test_the_example_takes_linkdesks_events_once_and_refuses_the_rest(store):
    receiver = example()
    events: list[dict] = []
    runner = web.AppRunner(receiver.make_app(SECRET.encode(), events.append))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/linkdesk"
    try:
        async with store.write():
            (event_id,) = await store.hooks.queue("invitation.accepted", [{"tax_year": 2025}])
        worker = HookWorker(store, HookSender(url, SECRET))
        try:
            assert await worker.run_once()
        finally:
            await worker.stop()
        assert [e["id"] for e in events] == [event_id]
        assert (await store.hooks.health()).last_status == 204
        body = b'{"id":"evt_forged","type":"bill.paid","created":"2026-01-01","data":{}}'
        async with aiohttp.ClientSession() as session:
            for header in ("", signature_header("another secret", body),
                           signature_header(SECRET, body, timestamp=1_000_000_000),
                           signature_header(SECRET, body + b" ")):
                async with session.post(url, data=body,
                                        headers={"Linkdesk-Signature": header}) as answer:
                    assert answer.status == 400
            async with session.post(url, data=body, headers={
                    "Linkdesk-Signature": signature_header(SECRET, body)}) as answer:
                assert answer.status == 204
        assert [e["id"] for e in events] == [event_id, "evt_forged"]
    finally:
        await runner.cleanup()
