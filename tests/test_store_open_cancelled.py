"""A store cancelled while it opens (the demo's terminal closed during "Preparing…") leaves
nothing running: no connection thread (the process would not exit) and nothing that makes its
file again once removed. The demo's directory was once left behind, holding a demo.db."""

from __future__ import annotations

import asyncio
import shutil
import threading
import time

from store import Store


def _sqlite_threads() -> int:
    return sum(1 for t in threading.enumerate() if "_connection_worker_thread" in t.name)


async def _threads_back_to(count: int) -> bool:
    for _ in range(200):  # a closed connection's thread ends a moment after the close
        if _sqlite_threads() == count:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_a_store_cancelled_while_opening_leaves_nothing_running(tmp_path):
    before = _sqlite_threads()
    started = time.perf_counter()
    store = await Store.open(str(tmp_path / "whole.db"))
    whole = time.perf_counter() - started  # how long an opening (and its migrations) takes
    await store.close()
    cancelled = 0
    for tenth in range(1, 10):  # cancelled at a different point of the opening each time
        directory = tmp_path / f"open-{tenth}"
        directory.mkdir()
        opening = asyncio.ensure_future(Store.open(str(directory / "demo.db")))
        await asyncio.sleep(whole * tenth / 10)
        opening.cancel()
        try:
            store = await opening
        except asyncio.CancelledError:
            cancelled += 1
        else:  # it opened before the cancel came
            await store.close()
        assert await _threads_back_to(before), tenth
        shutil.rmtree(directory)
        await asyncio.sleep(0.02)
        assert not directory.exists(), tenth
    assert cancelled  # at least one cancel came mid-way
