"""The schema's versions and the steps between them, applied in order when a store opens.

One module per version (v01 ... vNN), each with `statements(backend)`: the SQL that brings a
database from the version before to this one. A new version is a new module, added to
MIGRATIONS below; a released one is never edited.
"""

from __future__ import annotations

from collections.abc import Callable

from store.migrations import (
    v01,
    v02,
    v03,
    v04,
    v05,
    v06,
    v07,
    v08,
    v09,
    v10,
    v11,
    v12,
    v13,
    v14,
    v15,
    v16,
    v17,
    v18,
)

MIGRATIONS: list[Callable[[str], list[str]]] = [
    v01.statements,
    v02.statements,
    v03.statements,
    v04.statements,
    v05.statements,
    v06.statements,
    v07.statements,
    v08.statements,
    v09.statements,
    v10.statements,
    v11.statements,
    v12.statements,
    v13.statements,
    v14.statements,
    v15.statements,
    v16.statements,
    v17.statements,
    v18.statements,
]
LATEST = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer linkdesk; opening it could damage it."""


def pending(current: int, backend: str) -> list[tuple[int, list[str]]]:
    """Return (version, statements) for every migration after `current`."""
    if current > LATEST:
        raise SchemaTooNewError(
            f"the database is at schema version {current}, this linkdesk knows up to {LATEST}"
        )
    return [(v, MIGRATIONS[v - 1](backend)) for v in range(current + 1, LATEST + 1)]
