"""A crowd of slow clients cannot take the page down: the real `linkdesk serve`, limited to
1,024 open files as systemd's default unit is, while 1,100 connections send their headers
slowly; a normal request still answers and the log stays short."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys

import aiohttp
import pytest

from store import Store
from tests.helpers import make_preparer


def _systemd_default_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))


async def _slow(port: int, opened: list) -> None:
    """A connection that starts a request and never finishes its headers."""
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port,
                                                        local_addr=("127.0.0.2", 0))
        writer.write(b"GET /i/slow HTTP/1.1\r\nHost: page\r\nX-Slow: ")
        await writer.drain()
        opened.append(writer)
    except OSError:
        pass


@pytest.mark.timeout(180)
async def test_1100_slow_connections_leave_the_page_answering(sqlite_url, tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:  # this test's own side needs its 1,100 sockets
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    store = await Store.open(sqlite_url)
    try:
        await make_preparer(store)
    finally:
        await store.close()
    log_file = tmp_path / "service.log"
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "serve", "--db", sqlite_url, "--port", "0",
        "--log-file", str(log_file), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, preexec_fn=_systemd_default_files,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    opened: list = []
    try:
        port = None
        for _ in range(600):
            await asyncio.sleep(0.05)
            text = log_file.read_text() if log_file.exists() else ""
            marker = "serving invitation links on http://127.0.0.1:"
            if marker in text:
                port = int(text.split(marker)[1].split("/")[0])
                break
        assert port, "the service did not start"
        await asyncio.gather(*(_slow(port, opened) for _ in range(1100)))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(
                local_addr=("127.0.0.3", 0))) as session:
            for _ in range(3):  # a normal client, while the slow ones hold on
                async with session.get(f"http://127.0.0.1:{port}/healthz",
                                       timeout=aiohttp.ClientTimeout(total=20)) as response:
                    assert response.status in (200, 503)  # answered (503: nothing to say)
    finally:
        for writer in opened:
            writer.close()
        service.send_signal(signal.SIGTERM)
        await asyncio.wait_for(service.wait(), 60)
    lines = log_file.read_text().splitlines()
    assert len(lines) < 100, lines[-20:]
    assert not any("Too many open files" in line for line in lines), lines[-5:]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_headers_that_do_not_come_in_time_close_the_connection_and_a_cap_refuses(
        store):
    from linkdesk.web.accept import make_web_app, start_site
    from linkdesk.web.connection_guard import ConnectionGuard

    guard = ConnectionGuard(per_address=2, headers_s=0.3)
    site = await start_site(make_web_app(store), "127.0.0.1", 0, guard=guard)
    port = site.addresses[0][1]
    try:
        slow = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        for _reader, writer in slow:
            writer.write(b"GET /i/nothing HTTP/1.1\r\nHost: page\r\n")  # no blank line yet
        third_reader, _third = await asyncio.open_connection("127.0.0.1", port)
        refused = await asyncio.wait_for(third_reader.read(), 5)
        assert refused.startswith(b"HTTP/1.1 503"), refused  # refused at once, told why
        for reader, _writer in slow:  # closed once their time was up, nothing answered
            assert await asyncio.wait_for(reader.read(), 5) == b""
        assert guard.open == 0 and guard.refused == 1
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /i/nothing HTTP/1.1\r\nHost: page\r\nConnection: close\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), 5)  # a whole request is answered
        assert answer.startswith(b"HTTP/1.1 404"), answer[:80]
    finally:
        await site.cleanup()
