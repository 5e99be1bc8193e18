"""How the firm's service writes its log: one line an event, in UTC, never a link's token, and
a traceback (aiohttp's, asyncpg's, a bug's) as one line, not ten.

Every logger goes through it (the root's handler), not only linkdesk's: aiohttp's "Error
handling request" quoted the first 100 bytes of an over-long request line, which for
`/i/TOKEN?p0=x&p1=x…` put a live invitation's token in the service log.
"""

from __future__ import annotations

import logging
import re
import time
import traceback

# A link's token in any form a log may quote it: a path, a URL, a request line's bytes.
_LINK_TOKEN = re.compile(r"(/i/)[A-Za-z0-9_\-%]{6,}")


def mask_links(text: str) -> str:
    """`text` with every invitation link's token replaced by `…`."""
    return _LINK_TOKEN.sub(r"\1…", text)


class ServiceFormatter(logging.Formatter):
    """`2026-12-01T22:10:00Z linkdesk: message`, one line, tokens masked."""

    converter = staticmethod(time.gmtime)

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(name_shown)s: %(message)s", "%Y-%m-%dT%H:%M:%SZ")

    def format(self, record: logging.LogRecord) -> str:
        record.name_shown = "linkdesk" if record.name.startswith("linkdesk") else record.name
        line = super().format(record)
        return mask_links(" | ".join(part.strip() for part in line.splitlines() if part.strip()))

    def formatException(self, ei) -> str:
        """The exception in one line: its type, its message and where it was raised."""
        kind, value, tb = ei
        where = ""
        if tb is not None:
            last = traceback.extract_tb(tb)[-1]
            where = f" (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        name = kind.__name__ if kind is not None else "Error"
        return f"{name}: {value}{where}"

    def formatStack(self, stack_info: str) -> str:
        return ""


class OncePerMinute(logging.Filter):
    """An error that repeats is written once a minute, the next one saying how many were left
    out: 1,100 slow connections wrote 221,695 "Too many open files" tracebacks (90 MB) in 25 s.
    Only warnings and errors: linkdesk's own events are each worth their line."""

    WINDOW_S = 60.0

    def __init__(self, clock=time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self._seen: dict[tuple, list] = {}  # key: [first written at, left out since]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg), kind)
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.WINDOW_S:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            record.msg = f"{record.msg} ({seen[1]} more like it in the last minute)"
        if len(self._seen) > 1000:
            self._seen.clear()
        self._seen[key] = [now, 0]
        return True


def install(handler: logging.Handler) -> logging.Handler:
    """`handler` with the service's format, on the root logger: linkdesk's events at INFO,
    every other library's warnings and errors, a repeated one once a minute."""
    handler.setFormatter(ServiceFormatter())
    handler.addFilter(OncePerMinute())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("linkdesk").setLevel(logging.INFO)
    return handler
