"""A big directory import is written in short transactions and switched on at the end: cut
short anywhere, the directory is as it was; other writers get the lock between chunks."""

from __future__ import annotations

import random
import sqlite3

import pytest
from peewee import fn

from store import directory_import
from store.directory_import import CHUNK, import_members, load_members, member_row
from store.import_runs import live
from store.models import Company, MemberChange
from tests.helpers import add_client, make_preparer

HEADER = "member_id,name,city,region\n"


class Interrupted(Exception):
    pass


def member_file(tmp_path, count: int, name: str, suffix: str = "") -> object:
    path = tmp_path / name
    lines = [f"M{i},Garage {i:05}{suffix},Laval,CA\n" for i in range(count)]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


async def directory(store) -> list[tuple]:
    return await store.list(Company.select(Company.member_key, Company.name)
                            .where(Company.member_key.is_null(False) & live())
                            .order_by(Company.member_key).tuples())


@pytest.fixture
async def books(store):
    firm = await make_preparer(store)
    client_id = await add_client(store, firm.firm_id, organization_name="Toiture Fortin",
                                 email="info@fortin.ca")
    async with store.write():
        return await store.network.open_books_for(client_id)


async def test_an_import_cut_short_anywhere_leaves_the_directory_as_it_was(
        store, tmp_path, books):
    await load_members(store, [member_row(f"M{i}", f"Garage {i:05}", city="Laval")
                               for i in range(0, 4 * CHUNK, 2)])
    before = await directory(store)
    found_before = [c.name for c in await store.network.search(books, "garage")]
    rng = random.Random(11)
    path = member_file(tmp_path, 4 * CHUNK, "members.csv", suffix=" Ltée")
    for _attempt in range(4):
        stop_after = rng.randrange(1, 4)
        seen = []

        def progress(done, total, seen=seen, stop_after=stop_after):
            seen.append(done)
            if len(seen) == stop_after:
                raise Interrupted

        with pytest.raises(Interrupted):
            await import_members(store, path, progress)
        assert await directory(store) == before
        assert [c.name for c in await store.network.search(books, "garage")] == found_before
        assert await store.scalar(MemberChange.select(fn.COUNT(MemberChange.company))) == 0
    report = await import_members(store, path)
    assert (report.added, report.updated) == (2 * CHUNK, 2 * CHUNK)
    after = await directory(store)
    assert len(after) == 4 * CHUNK and all(name.endswith(" Ltée") for _key, name in after)


async def test_rows_left_by_a_crashed_import_stay_hidden_and_go_at_the_next(
        store, tmp_path, books):
    run = await store.import_runs.begin("members")
    report = directory_import.ImportReport(fresh=True)
    async with store.write():  # then the process died: never switched on
        await directory_import._load(store, store.network, [
            member_row("X1", "Garage Fantôme", city="Laval")], report, run)
    assert await store.network.search(books, "fantome") == []
    assert await directory(store) == []
    await import_members(store, member_file(tmp_path, 3, "three.csv"))
    assert [key for key, _name in await directory(store)] == ["M0", "M1", "M2"]
    assert await store.scalar(Company.select(Company.id).where(
        Company.member_key == "X1")) is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_another_writer_gets_the_lock_between_chunks(store, tmp_path, books, db_url):
    other = sqlite3.connect(db_url, isolation_level=None, timeout=0)
    writes = []

    def progress(done, total):
        other.execute("BEGIN IMMEDIATE")  # timeout 0: fails at once if the import held it
        other.execute("PRAGMA user_version = 1")
        other.execute("COMMIT")
        writes.append(done)

    try:
        await import_members(store, member_file(tmp_path, 5 * CHUNK, "five.csv"), progress)
    finally:
        other.close()
    assert len(writes) >= 5
    assert len(await directory(store)) == 5 * CHUNK


def clients(n: int):
    from store.validate import CleanClient

    return [CleanClient("organization", f"c{i}@x.ca", "", "", f"Client {i:05}", None, "fr")
            for i in range(n)]


async def firm_names(store, firm) -> list[str]:
    from store import ClientQuery

    q = ClientQuery(firm_id=firm.firm_id, tax_year=2025, include_inactive=True)
    return [r.display_name for r in await store.clients.page(q, 0, 10_000)]


async def test_a_client_import_cut_short_shows_nothing(store, tmp_path):
    from store import ClientQuery
    from store.clients import IMPORT_CHUNK
    from store.models import Client

    firm = await make_preparer(store)
    await add_client(store, firm.firm_id, organization_name="Déjà Là", email="d@x.ca")

    def stop(done, total):
        raise Interrupted

    with pytest.raises(Interrupted):
        await store.clients.import_many(firm.firm_id, clients(3 * IMPORT_CHUNK), firm.id,
                                        progress=stop)
    assert await firm_names(store, firm) == ["Déjà Là"]
    assert (await store.clients.status_counts(firm.firm_id, 2025))["not_invited"] == 1
    assert await store.scalar(Client.select(fn.COUNT(Client.id)).where(live(Client))) == 1
    assert await store.clients.ids(ClientQuery(firm_id=firm.firm_id, tax_year=2025,
                                               include_inactive=True, search="client")) == []
    ids = await store.clients.import_many(firm.firm_id, clients(3 * IMPORT_CHUNK), firm.id)
    assert len(ids) == 3 * IMPORT_CHUNK
    assert len(await firm_names(store, firm)) == 3 * IMPORT_CHUNK + 1
    assert [k for k, *_ in await store.clients.events(ids[0])] == ["client_added"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_another_writer_gets_the_lock_between_client_chunks(store, db_url):
    from store.clients import IMPORT_CHUNK

    firm = await make_preparer(store)
    other = sqlite3.connect(db_url, isolation_level=None, timeout=0)

    def progress(done, total):
        other.execute("BEGIN IMMEDIATE")
        other.execute("PRAGMA user_version = 2")
        other.execute("COMMIT")

    try:
        await store.clients.import_many(firm.firm_id, clients(4 * IMPORT_CHUNK), firm.id,
                                        progress=progress)
    finally:
        other.close()
    assert len(await firm_names(store, firm)) == 4 * IMPORT_CHUNK


@pytest.mark.parametrize("what", ["members", "clients"])
async def test_a_bad_file_abandons_its_run_on_a_one_connection_store(store, db_url, tmp_path,
                                                                     what):
    """Commands open the store with one connection. A file found bad midway used to abandon
    its run from a new task, which waited for the connection the import itself held: the
    command hung for the pool's timeout and the run stayed "loading". Now it is let go."""
    from store import Store
    from store.directory_import import ImportFileError
    from store.models import ImportRun

    firm = await make_preparer(store)
    single = await Store.open(db_url, pool_size=1)
    try:
        if what == "members":
            bad = tmp_path / "bad.csv"
            bad.write_bytes(HEADER.encode() + b"".join(
                f"M{i},Garage {i},Laval,CA\n".encode() for i in range(CHUNK + 10))
                + b"M-bad,\xff\xfe Garage,Laval,CA\n")
            with pytest.raises(ImportFileError):
                await import_members(single, bad)
        else:
            def stop(done, total):
                raise Interrupted

            with pytest.raises(Interrupted):
                await single.clients.import_many(firm.firm_id, clients(5), firm.id,
                                                 progress=stop)
    finally:
        await single.close()
    states = [s for (s,) in await store.list(ImportRun.select(ImportRun.state)
                                             .where(ImportRun.kind == what).tuples())]
    assert states and "loading" not in states, states
