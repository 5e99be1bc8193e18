"""The acceptance page does not depend on whichever terminal started first: a second terminal
does not warn while the first serves the links, and serves them itself once the first quits."""

from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request

import pytest

from linkdesk.runtime import Runtime
from linkdesk.settings import Settings
from store import Store
from tests.helpers import make_preparer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> int | None:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/i/nothing", timeout=2)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None
    return 200


@pytest.mark.timeout(120)
async def test_the_page_moves_to_the_terminal_still_open(sqlite_url, tmp_path):
    port = _free_port()
    stores = [await Store.open(sqlite_url) for _ in range(2)]
    await make_preparer(stores[0])
    settings = [Settings(db_url=sqlite_url, link_base=f"http://127.0.0.1:{port}",
                         data_dir=tmp_path / f"app{i}") for i in range(2)]
    first = await Runtime(settings[0], stores[0]).start()
    second = await Runtime(settings[1], stores[1]).start()
    try:
        assert first.serves_page and not second.serves_page
        assert second.problems == []  # another linkdesk serves the links: nothing to say
        assert await asyncio.to_thread(_answers, port) == 404
        await first.stop()
        async with asyncio.timeout(60):
            while not second.serves_page:
                await asyncio.sleep(0.05)
        assert await asyncio.to_thread(_answers, port) == 404
    finally:
        await second.stop()
        for store in stores:
            await store.close()


@pytest.mark.timeout(60)
async def test_a_port_held_by_another_program_is_said_once_in_french(sqlite_url, tmp_path):
    from linkdesk.i18n import set_language

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    store = await Store.open(sqlite_url)
    set_language("fr")
    try:
        runtime = await Runtime(Settings(db_url=sqlite_url, link_base=f"http://127.0.0.1:{port}",
                                         data_dir=tmp_path / "app"), store).start()
        try:
            assert not runtime.serves_page
            (problem,) = runtime.problems
            assert "Les liens d'invitation ne sont pas servis" in problem and str(port) in problem
        finally:
            await runtime.stop()
    finally:
        set_language("en")
        holder.close()
        await store.close()
