"""Fixtures: a fresh store per test on SQLite and the real PostgreSQL; a clean environment."""

from __future__ import annotations

import asyncio
import os
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from hypothesis import settings

from store import Store

# No wall-clock limit on a property test's examples: the machines are shared and noisy, and
# hypothesis's 200 ms deadline is a timing assertion (it failed under four workers).
settings.register_profile("linkdesk", deadline=None)
settings.load_profile("linkdesk")

PG_ADMIN = os.environ.get("LINKDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path, monkeypatch):
    """Keep the developer's own database, locale and data directory out of every test."""
    for var in list(os.environ):
        if var.startswith("LINKDESK_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    from linkdesk.i18n import set_language

    set_language("en")


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto`: two workers a core. Half of the suite's time is spent waiting (for a
    subprocess, a relay, a heartbeat to go stale), which another worker can use: on 2 cores,
    4 workers took 1 min 57 s where 2 took 2 min 30 s."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (cores or 1), 8)  # a big shared host: no more than the suite can use


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_database():
    """A PostgreSQL database made for this test run and dropped after it.

    Under CI=true a missing server fails the run; elsewhere the PostgreSQL tier is skipped.
    """
    name = f"linkdesk_test_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (TimeoutError, OSError, Exception) as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required under CI=true and unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN}: {exc}")
    yield _with_database(PG_ADMIN, name)
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _reset_pg(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url, timeout=5)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A database URL for an empty database on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "linkdesk.db")
    url = request.getfixturevalue("pg_database")
    asyncio.run(_reset_pg(url))
    return url


@pytest.fixture
def sqlite_url(tmp_path):
    return str(tmp_path / "linkdesk.db")


class Clock:
    """A clock tests move by hand."""

    def __init__(self):
        import datetime as dt

        self.now = dt.datetime(2026, 3, 2, 9, 0, 0)

    def __call__(self):
        return self.now

    def advance(self, **kwargs):
        import datetime as dt

        self.now += dt.timedelta(**kwargs)


@pytest.fixture(autouse=True)
def cheap_password_hashes(request, monkeypatch):
    """Argon2id at its lowest cost in tests that are not about passwords: each account made or
    signed into otherwise costs ~60 ms of a shared core. Tests marked `real_hasher` keep the
    product's (a test about the stored hash; a process started by a test keeps it anyway)."""
    if request.node.get_closest_marker("real_hasher"):
        return
    from argon2 import PasswordHasher, Type

    from store import accounts

    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(
        time_cost=1, memory_cost=8, parallelism=1, type=Type.ID))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
async def store(db_url, clock):
    s = await Store.open(db_url, clock=clock)
    yield s
    await s.close()


@pytest.fixture
def authority():
    """A throwaway certificate authority (trustme): a firm's own, not in the system's store."""
    import trustme

    return trustme.CA()


@pytest.fixture
def ca_file(authority, tmp_path):
    """That authority as the PEM file `mail.ca_file` names."""
    path = tmp_path / "firm-ca.pem"
    authority.cert_pem.write_to_path(str(path))
    return path
