"""Where the data lives, read from a URL a person gave: no database driver is loaded here, so a
command can say what is wrong with `--db` (or read the file with the standard library) first."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit


class DatabaseUrlError(ValueError):
    """The database URL given by a person cannot be used; the message says why."""


@dataclass(frozen=True)
class DatabaseTarget:
    """Where the data lives: an SQLite file path or a PostgreSQL DSN."""

    backend: str  # "sqlite" or "postgresql"
    location: str

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    def describe(self) -> str:
        """The location to show a person or a log: a password in the URL is masked."""
        if self.is_sqlite:
            return self.location
        parts = urlsplit(self.location)
        if parts.password is None:
            return self.location
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = parts.username or ""
        return parts._replace(netloc=f"{user}:***@{netloc}").geturl()


def parse_database_url(url: str) -> DatabaseTarget:
    """Read `--db` / LINKDESK_DB: a file path, `sqlite:///PATH` or `postgresql://...`."""
    value = (url or "").strip()
    if not value:
        raise DatabaseUrlError("the database URL is empty")
    lowered = value.lower()
    if lowered.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(value)
        if not parts.hostname and not parts.path.strip("/"):
            raise DatabaseUrlError(f"no host or database in {value!r}")
        try:
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError as exc:
            raise DatabaseUrlError(f"bad port in {value!r}") from exc
        return DatabaseTarget("postgresql", value)
    if lowered.startswith("sqlite://"):
        path = value[len("sqlite://") :]
        if not path.startswith("/"):
            raise DatabaseUrlError(f"expected sqlite:///PATH, got {value!r}")
        path = path[1:] if path.startswith("//") else path
        if not path or path.endswith("/"):
            raise DatabaseUrlError(f"no file name in {value!r}")
        return DatabaseTarget("sqlite", path)
    if "://" in value:
        scheme = value.split("://", 1)[0]
        raise DatabaseUrlError(
            f"unsupported database scheme {scheme!r} (use a file path, sqlite:/// or postgresql://)"
        )
    return DatabaseTarget("sqlite", value)


def sqlite_file(target: DatabaseTarget) -> Path:
    """The SQLite file `target` names (~ expanded); a directory there is refused."""
    path = Path(target.location).expanduser()
    if path.is_dir():
        raise DatabaseUrlError(f"{path} is a directory, not a database file")
    return path


def read_only_uri(path: Path) -> str:
    """SQLite's URI to read `path` without writing anything, the file or beside it.

    mode=ro: SQLite opens the file read-only; to read a WAL database it still needs the -shm
    beside it, and makes one when there is none (the file was closed cleanly). On a read-only
    filesystem it cannot, and "unable to open database file" was all `linkdesk status` said.
    There, with no -wal beside the file, nothing can change the file and nothing is left in a
    log: immutable=1 reads it with no -shm and no locks. A -wal there holds changes that
    immutable would not read: mode=ro alone then (SQLite reads the -wal itself).
    """
    uri = f"file:{quote(str(path.absolute()))}?mode=ro"
    if _read_only_filesystem(path) and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    return uri


def _read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False
