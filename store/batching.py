"""Long id lists cut into pieces a single statement can take."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

CHUNK = 500  # values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def chunked(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    """`items` in lists of at most `size`, in order."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
