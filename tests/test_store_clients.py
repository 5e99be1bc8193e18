"""The client list on both backends: adding, paging, search, filters, sort, counts, history."""

from __future__ import annotations

import asyncio

import pytest

from store import ACCEPTED, NOT_INVITED, PENDING, ClientQuery, Store
from store.clients import INACTIVE
from store.migrations import LATEST
from store.models import ClientEvent
from tests.helpers import add_client, make_preparer, set_status

YEAR = 2025


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


def counts(nonzero: dict) -> dict:
    """Every status with its count: zero unless given."""
    from store import STATUSES

    return {status: nonzero.get(status, 0) for status in STATUSES}


def names(rows):
    return [r.display_name for r in rows]


async def test_schema_is_versioned(store):
    assert await store.schema_version() == LATEST


async def test_added_client_is_not_invited_with_normalised_fields(store, firm):
    cid = await add_client(store, firm.firm_id, firm.id, first_name="Émilie", last_name="Gagnon",
                           email="Emilie@EXAMPLE.com", phone="514-555-0199", language="fr")
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    (row,) = await store.clients.page(q, 0, 10)
    assert row.id == cid and row.display_name == "Gagnon, Émilie"
    assert row.email == "Emilie@example.com" and row.phone == "+15145550199"
    assert row.status == NOT_INVITED and row.language == "fr" and row.active
    events = await store.clients.events(cid)
    assert [(kind, who) for kind, _d, _at, who in events] == [("client_added", firm.id)]


async def test_event_log_is_append_only(store, firm):
    cid = await add_client(store, firm.firm_id, first_name="A", last_name="B", email="a@b.ca")
    # The database itself refuses (a trigger), whatever code path tries.
    with pytest.raises(Exception, match="append-only"):
        await store.execute(ClientEvent.update(kind="forged").where(ClientEvent.client == cid))
    with pytest.raises(Exception, match="append-only"):
        await store.execute(ClientEvent.delete().where(ClientEvent.client == cid))
    assert [e[0] for e in await store.clients.events(cid)] == ["client_added"]


async def test_pages_cover_the_list_once_in_order(store, firm):
    for i in range(25):
        await add_client(store, firm.firm_id, organization_name=f"Org {i:02d}", email=f"o{i}@x.ca")
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    assert await store.clients.count(q) == 25
    seen = []
    for offset in range(0, 25, 10):
        seen += names(await store.clients.page(q, offset, 10))
    assert seen == [f"Org {i:02d}" for i in range(25)]


async def test_search_matches_name_either_way_and_email_ignoring_case_and_accents(store, firm):
    f = firm.firm_id
    await add_client(store, f, first_name="Émilie", last_name="Gagnon", email="eg@example.com")
    await add_client(store, f, organization_name="Plomberie Gagnon & Fils", email="info@pgf.ca")
    await add_client(store, f, organization_name="Québec Inc.", email="qc@quebec.ca")
    await add_client(store, f, organization_name="100% Pure", email="pure@x.ca")
    q = ClientQuery(firm_id=f, tax_year=YEAR)
    assert names(await store.clients.page(q.with_(search="gagnon"), 0, 10)) == [
        "Gagnon, Émilie", "Plomberie Gagnon & Fils"]
    assert names(await store.clients.page(q.with_(search="EMILIE GAG"), 0, 10)) == [
        "Gagnon, Émilie"]
    assert names(await store.clients.page(q.with_(search="québec"), 0, 10)) == ["Québec Inc."]
    assert names(await store.clients.page(q.with_(search="@pgf"), 0, 10)) == [
        "Plomberie Gagnon & Fils"]
    assert names(await store.clients.page(q.with_(search="0%"), 0, 10)) == ["100% Pure"]
    assert await store.clients.count(q.with_(search="_")) == 0
    assert await store.clients.count(q.with_(search="zzz")) == 0


async def test_status_filter_and_counts_per_tax_year(store, firm):
    f = firm.firm_id
    a = await add_client(store, f, organization_name="A", email="a@x.ca")
    b = await add_client(store, f, organization_name="B", email="b@x.ca")
    await add_client(store, f, organization_name="C", email="c@x.ca")
    await set_status(store, a, YEAR, PENDING)
    await set_status(store, b, YEAR, ACCEPTED)
    await set_status(store, b, YEAR - 1, PENDING)
    q = ClientQuery(firm_id=f, tax_year=YEAR)
    assert names(await store.clients.page(q.with_(status=NOT_INVITED), 0, 10)) == ["C"]
    assert names(await store.clients.page(q.with_(status=PENDING), 0, 10)) == ["A"]
    assert await store.clients.count(q.with_(status=ACCEPTED)) == 1
    assert await store.clients.status_counts(f, YEAR) == counts(
        {NOT_INVITED: 1, PENDING: 1, ACCEPTED: 1})
    assert await store.clients.status_counts(f, YEAR - 1) == counts({NOT_INVITED: 2, PENDING: 1})
    assert await store.clients.status_counts(None, YEAR) == counts({})


async def test_sort_by_every_column_both_ways(store, firm):
    f = firm.firm_id
    a = await add_client(store, f, organization_name="Zeta", email="a@x.ca", phone="514 555 0103")
    await add_client(store, f, first_name="Anne", last_name="Morin", email="c@x.ca")
    await add_client(store, f, organization_name="Alpha", email="b@x.ca", phone="514 555 0101")
    await set_status(store, a, YEAR, ACCEPTED)
    q = ClientQuery(firm_id=f, tax_year=YEAR)

    async def order(**kw):
        return names(await store.clients.page(q.with_(**kw), 0, 10))

    assert await order(sort="name") == ["Alpha", "Morin, Anne", "Zeta"]
    assert await order(sort="name", descending=True) == ["Zeta", "Morin, Anne", "Alpha"]
    assert await order(sort="email") == ["Zeta", "Alpha", "Morin, Anne"]
    assert await order(sort="kind") == ["Morin, Anne", "Alpha", "Zeta"]
    assert await order(sort="phone") == ["Morin, Anne", "Alpha", "Zeta"]
    assert await order(sort="status") == ["Alpha", "Morin, Anne", "Zeta"]
    for kw in ({"sort": "name"}, {"sort": "status", "descending": True}, {"sort": "phone"}):
        rows = await store.clients.page(q.with_(**kw), 0, 10)
        for index, row in enumerate(rows):
            assert await store.clients.position(row.id, q.with_(**kw)) == index


async def test_position_is_none_when_filtered_out(store, firm):
    cid = await add_client(store, firm.firm_id, organization_name="Acme", email="a@x.ca")
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    assert await store.clients.position(cid, q.with_(search="nothing")) is None


async def test_duplicate_email_found_whatever_the_case(store, firm):
    await add_client(store, firm.firm_id, organization_name="Acme", email="Info@Acme.ca")
    found = await store.clients.with_email(firm.firm_id, "info@acme.CA")
    assert names(found) == ["Acme"]
    assert await store.clients.with_email(firm.firm_id, "other@acme.ca") == []


async def test_markup_and_hostile_names_are_stored_as_typed(store, firm):
    for name in ("[bold]Smith[/bold]", "Dupont [link=x", "[@click=app.quit]Acme[/]"):
        await add_client(store, firm.firm_id, organization_name=name, email="h@x.ca")
    rows = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR), 0, 10)
    assert sorted(names(rows)) == sorted(
        ["[bold]Smith[/bold]", "Dupont [link=x", "[@click=app.quit]Acme[/]"])


async def test_clients_survive_a_restart(db_url, clock):
    first = await Store.open(db_url, clock=clock)
    firm = await make_preparer(first)
    await add_client(first, firm.firm_id, organization_name="Kept", email="k@x.ca")
    await first.close()
    again = await Store.open(db_url, clock=clock)
    try:
        assert await again.schema_version() == LATEST
        rows = await again.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR), 0, 5)
        assert names(rows) == ["Kept"]
    finally:
        await again.close()


async def test_sqlite_runs_in_wal_with_foreign_keys(sqlite_url):
    s = await Store.open(sqlite_url)
    try:
        mode = (await s.db.aexecute_sql("PRAGMA journal_mode")).fetchone()[0]
        fks = (await s.db.aexecute_sql("PRAGMA foreign_keys")).fetchone()[0]
        timeout = (await s.db.aexecute_sql("PRAGMA busy_timeout")).fetchone()[0]
        assert (mode, fks) == ("wal", 1) and timeout > 0  # then the store retries (store.busy)
    finally:
        await s.close()


async def test_a_write_waits_for_another_programs_lock_and_says_so(sqlite_url):
    import sqlite3

    from store.busy import StoreBusyError

    s = await Store.open(sqlite_url)
    heard: list[int] = []
    s.busy.subscribe(heard.append)
    other = sqlite3.connect(sqlite_url, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        firm = asyncio.create_task(make_preparer(s))
        while not heard:
            await asyncio.sleep(0.01)
        assert s.busy.waiting == 1 and not firm.done()
        other.execute("COMMIT")
        info = await firm
        assert info.username == "marie" and heard[-1] == 0
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreBusyError):
            await s.busy.retry(s._begin_immediate, give_up_s=0.3)
        other.execute("ROLLBACK")
    finally:
        other.close()
        await s.close()


async def test_a_newer_schema_is_refused(sqlite_url):
    from store import SchemaTooNewError

    s = await Store.open(sqlite_url)
    await s.db.aexecute_sql("INSERT INTO schema_version (version) VALUES (999)")
    await s.close()
    with pytest.raises(SchemaTooNewError):
        await Store.open(sqlite_url)


@pytest.mark.parametrize("few_matches", [0, 10**9])
async def test_search_paths_agree(store, firm, monkeypatch, few_matches):
    """Walking the name index and looking up trigrams find the same clients, in the same order."""
    import store.clients as clients_module

    f = firm.firm_id
    for i, name in enumerate(["Plomberie Gagnon & Fils", "Gagnon, Émilie", "Côté Roy Inc.",
                              "O'Brien Bakery", "Gagnonville", "Zed"]):
        await add_client(store, f, organization_name=name, email=f"c{i}@example.com")
    q = ClientQuery(firm_id=f, tax_year=YEAR)
    monkeypatch.setattr(clients_module, "FEW_MATCHES", few_matches)
    store.clients._few.clear()
    expect = {
        "gagnon": ["Gagnon, Émilie", "Gagnonville", "Plomberie Gagnon & Fils"],
        "o'brien": ["O'Brien Bakery"],
        "cote roy": ["Côté Roy Inc."],
        '"x': [],
        "example.com": None,
    }
    for term, names_expected in expect.items():
        rows = await store.clients.page(q.with_(search=term), 0, 10)
        count = await store.clients.count(q.with_(search=term))
        if names_expected is None:
            assert count == 6 and len(rows) == 6
        else:
            assert names(rows) == names_expected and count == len(names_expected)
    second = await store.clients.page(q.with_(search="gagnon"), 1, 2)
    assert names(second) == ["Gagnonville", "Plomberie Gagnon & Fils"]


async def test_inactive_clients_hidden_unless_asked_for(store, firm):
    from store.models import Client

    keep = await add_client(store, firm.firm_id, organization_name="Kept", email="k@x.ca")
    gone = await add_client(store, firm.firm_id, organization_name="Gone", email="g@x.ca")
    await store.execute(Client.update(active=False).where(Client.id == gone))
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR)
    assert [r.id for r in await store.clients.page(q, 0, 10)] == [keep]
    assert await store.clients.count(q) == 1
    shown = await store.clients.page(q.with_(include_inactive=True), 0, 10)
    assert [(r.display_name, r.active) for r in shown] == [("Gone", False), ("Kept", True)]
    assert await store.clients.status_counts(firm.firm_id, YEAR) == counts({"not_invited": 1})


async def test_counts_with_inactive_clients_are_those_of_the_list_that_shows_them(store, firm):
    from store.models import Client

    await add_client(store, firm.firm_id, organization_name="Kept", email="k@x.ca")
    gone = await add_client(store, firm.firm_id, organization_name="Gone", email="g@x.ca")
    late = await add_client(store, firm.firm_id, organization_name="Late", email="l@x.ca")
    await set_status(store, gone, YEAR, PENDING)
    await set_status(store, late, YEAR, PENDING)
    await store.execute(Client.update(active=False).where(Client.id == gone))
    q = ClientQuery(firm_id=firm.firm_id, tax_year=YEAR, include_inactive=True)
    # An inactive client's row says "Inactive", whatever its year's status: it is counted
    # there, and only there, as the filter finds it.
    assert await store.clients.status_counts(firm.firm_id, YEAR, include_inactive=True) == (
        {**counts({"not_invited": 1, PENDING: 1}), INACTIVE: 1})
    assert await store.clients.count(q) == 3
    assert await store.clients.count(q.with_(status=PENDING)) == 1
    shown = await store.clients.page(q.with_(status=INACTIVE), 0, 10)
    assert [r.display_name for r in shown] == ["Gone"]
    assert await store.clients.count(q.with_(status=INACTIVE)) == 1
