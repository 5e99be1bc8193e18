"""The service's log never holds a link's token, and a library's traceback is one line: the
real `linkdesk serve`, made to fail in aiohttp on a link in every way found."""

from __future__ import annotations

import asyncio
import secrets
import signal

import pytest

from linkdesk.service_log import ServiceFormatter, mask_links
from store import Store
from tests.helpers import make_preparer
from tests.test_service import Service, Sink


def test_a_token_is_masked_in_every_form_a_log_quotes_it():
    token = secrets.token_urlsafe(32)
    for text in (f"/i/{token}", f"https://portal.firm.ca/i/{token}?lang=fr",
                 f"b'GET /i/{token}?p0=x&p1=x HTTP/1.1'", f"/i/{token[:20]}"):
        assert token[:10] not in mask_links(text), text


def test_a_traceback_is_one_line():
    import logging

    try:
        raise ValueError("bad\nthing")
    except ValueError:
        record = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1,
                                   "Error handling request from %s", ("127.0.0.1",),
                                   __import__("sys").exc_info())
    line = ServiceFormatter().format(record)
    assert "\n" not in line and "ValueError: bad | thing" in line, line


async def raw(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), 10)
    except (ConnectionError, TimeoutError):
        return b""
    finally:
        writer.close()


@pytest.mark.timeout(120)
async def test_no_token_reaches_the_service_log(sqlite_url):
    token = secrets.token_urlsafe(32)
    link = f"/i/{token}"
    many = "&".join(f"p{i}=x" for i in range(2000))
    tries = [
        f"GET {link}?{many} HTTP/1.1\r\nHost: x\r\n\r\n",  # request line over 8,190 bytes
        f"GET {link} HTTP/1.1\r\nHost: x\r\nX-Big: {'y' * 9000}\r\n\r\n",  # a header too long
        f"GET {link} HTTP/1.1\r\nHost: x\r\n" + "X-H: 1\r\n" * 200 + "\r\n",  # too many
        f"G\x00T {link} HTTP/1.1\r\nHost: x\r\n\r\n",  # a bad method
        f"GET {link} HTTP/9.9\r\nHost: x\r\n\r\n",  # a bad version
        f"POST {link} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab",  # body cut short
        f"GET {link}\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    store = await Store.open(sqlite_url)
    try:
        await make_preparer(store)
    finally:
        await store.close()
    async with Sink() as sink:
        service = await Service(sqlite_url, sink).start()
        try:
            for request in tries:
                await raw(service.port, request.encode("latin-1"))
            await asyncio.sleep(0.5)
        finally:
            await service.signal(signal.SIGTERM)
    log = "".join(service.lines)
    assert token[:8] not in log, [line for line in service.lines if token[:8] in line]
    assert "Traceback" not in log and '  File "' not in log, log[-3000:]


def test_an_error_that_repeats_is_written_once_a_minute_with_a_count():
    import logging

    from linkdesk.service_log import OncePerMinute

    now = [0.0]
    once = OncePerMinute(clock=lambda: now[0])

    def record(msg: str, level=logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord("asyncio", level, __file__, 1, msg, (), None)

    written = [once.filter(record("Too many open files")) for _ in range(1000)]
    assert written.count(True) == 1
    assert once.filter(record("another error"))
    assert all(once.filter(record("started", logging.INFO)) for _ in range(3))
    now[0] = 61.0
    late = record("Too many open files")
    assert once.filter(late) and "999 more like it" in late.msg
