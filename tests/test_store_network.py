"""The business network in the store, on both backends: search rules, visibility, links, import."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.directory_import import (
    ImportFileError,
    MemberFile,
    import_members,
    load_members,
    member_row,
)
from store.models import Company
from store.network import RESULT_CAP, MemberCard, NetworkError, public_field_names
from store.text import fold
from store.validate import Details
from tests.helpers import add_client, make_preparer

keys = itertools.count(1)


async def add_members(store, *specs) -> list[int]:
    """Members from (name, region, visible) tuples; returns their ids in order."""
    rows = [member_row(f"K{next(keys)}", name, region=region, visible=visible,
                       phone="514-555-0100", city="Québec")
            for name, region, visible in specs]
    await load_members(store, rows)
    ids = dict(await store.list(Company.select(Company.member_key, Company.id).where(
        Company.member_key.in_([r.member_key for r in rows])).tuples()))
    return [ids[r.member_key] for r in rows]


@pytest.fixture
async def books(store):
    """A member company's books to search from (a client that accepted, in region CA)."""
    (own,) = await add_members(store, ("Comptoir Lévesque", "CA", True))
    return own


async def names(store, books, term, **kw) -> list[str]:
    return [card.name for card in await store.network.search(books, term, **kw)]


async def test_prefix_and_substring_ignore_case_and_accents(store, books):
    await add_members(store, ("Plomberie Gagnon & Fils", "CA", True),
                      ("Boulangerie Québec Ltée", "CA", True), ("Smith Consulting", "CA", True))
    assert await names(store, books, "gagnon") == ["Plomberie Gagnon & Fils"]
    assert await names(store, books, "GAG") == ["Plomberie Gagnon & Fils"]
    assert await names(store, books, "quebec") == ["Boulangerie Québec Ltée"]
    assert await names(store, books, "Québ") == ["Boulangerie Québec Ltée"]
    assert await names(store, books, "mberie") == ["Plomberie Gagnon & Fils"]  # substring
    assert await names(store, books, "plomberie ga") == ["Plomberie Gagnon & Fils"]
    assert sorted(await names(store, books, "s")) == ["Smith Consulting"]
    assert await names(store, books, "zz") == []
    assert await names(store, books, "   ") == []


async def test_hidden_other_regions_self_and_firm_books_are_never_found(store, books):
    preparer = await make_preparer(store, firm="Gagnon Comptables")
    firm_books = await store.network.firm_books(preparer.firm_id)
    hidden, _us, shown = await add_members(store, ("Gagnon Hidden", "CA", False),
                                           ("Gagnon Boston", "US", True),
                                           ("Gagnon Visible", "CA", True))
    assert await names(store, books, "gagnon") == ["Gagnon Visible"]
    assert await names(store, books, "lévesque") == []  # not itself
    with pytest.raises(NetworkError) as refused:
        await store.network.search(firm_books, "gagnon")
    assert refused.value.code == "firm_books"
    await store.network.set_visible(hidden, True)
    assert sorted(await names(store, books, "gagnon")) == ["Gagnon Hidden", "Gagnon Visible"]
    await store.network.set_visible(shown, False)
    assert await names(store, books, "gagnon") == ["Gagnon Hidden"]  # the very next search
    info = await store.network.company(firm_books)
    assert info.is_firm_books and not info.visible


async def test_results_are_capped_and_carry_public_fields_only(store, books):
    await add_members(store, *[(f"Toiture Roy {i}", "CA", True) for i in range(RESULT_CAP + 5)])
    cards = await store.network.search(books, "roy")
    assert len(cards) == RESULT_CAP
    assert public_field_names() == ("name", "email", "phone", "website", "address", "city")
    assert all(type(card) is MemberCard for card in cards)
    assert len(await store.network.search(books, "roy", limit=10_000)) == RESULT_CAP


async def test_searches_are_rate_limited_per_preparer(store, books):
    store.network.limiter.limit = 3
    for _ in range(3):
        await store.network.search(books, "a", preparer_id=1)
    with pytest.raises(NetworkError) as limited:
        await store.network.search(books, "a", preparer_id=1)
    assert limited.value.code == "rate_limited" and limited.value.retry_after > 0
    await store.network.search(books, "a", preparer_id=2)  # another preparer is not held


WORDS = ["Gagnon", "Québec", "Côté", "Roy", "Plomberie", "Boulangerie", "Smith", "Électrique",
         "Fils", "Ltée", "Lévis", "Tremblay"]
member_names = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join)
members = st.lists(st.tuples(member_names, st.sampled_from(["CA", "US"]), st.booleans()),
                   min_size=1, max_size=12)
searches = st.one_of(
    st.sampled_from(WORDS).flatmap(
        lambda w: st.integers(1, min(6, len(w))).flatmap(
            lambda n: st.integers(0, len(w) - n).map(lambda i: w[i:i + n]))),
    st.text(alphabet="abcégqrtu ", min_size=1, max_size=6),
)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=members, searcher=st.integers(0, 11), term=searches)
async def test_search_rules_hold_for_any_members_and_terms(store, specs, searcher, term):
    preparer = await make_preparer(store, username=f"p{next(keys)}", firm="Gagnon Roy Smith")
    firm_books = await store.network.firm_books(preparer.firm_id)
    ids = await add_members(store, *specs)
    books = ids[searcher % len(ids)]
    cards = await store.network.search(books, term)
    rows = {row[0]: row[1:] for row in await store.list(Company.select(
        Company.id, Company.kind, Company.visible, Company.region, Company.name_fold).tuples())}
    (own_region,) = [rows[books][2]]
    for card in cards:
        kind, visible, region, _name = rows[card.id]
        assert kind == "member" and visible and region == own_region
        assert card.id not in (books, firm_books)
        assert set(vars(card)) == {"id", *public_field_names()}
    folded = " ".join(fold(term).split())
    if folded and len(cards) < RESULT_CAP:  # nothing findable is missing either
        expected = {
            cid for cid, (kind, visible, region, name) in rows.items()
            if kind == "member" and visible and region == own_region and cid != books
            and (any(w.startswith(folded) for w in name.replace("-", " ").split())
                 if " " not in folded and folded.isalnum() else False
                 or (len(folded) >= 3 and folded in name))}
        assert expected <= {c.id for c in cards}
    if cards:  # switched off: gone from the very next search
        await store.network.set_visible(cards[0].id, False)
        assert cards[0].id not in {c.id for c in await store.network.search(books, term)}
    store.network.limiter._seen.clear()


async def test_linked_records_follow_the_member_while_it_is_visible(store, books):
    (member,) = await add_members(store, ("Plomberie Gagnon & Fils", "CA", True))
    (card,) = await store.network.search(books, "gagnon")
    contact = await store.network.add_contact(books, "vendor", card.details, member_id=member)
    changed = Details("Plomberie Gagnon & Fils", "info@gagnon.ca", "+15145550199",
                      "https://gagnon.ca", "1 rue Principale", "Lévis")
    await store.network.update_profile(member, changed)
    assert (await store.network.contact(contact)).details == changed
    # Hidden: the record keeps what it has and stops following.
    await store.network.set_visible(member, False)
    later = Details("Plomberie Gagnon", "new@gagnon.ca", "", "", "", "Lévis")
    await store.network.update_profile(member, later)
    assert (await store.network.contact(contact)).details == changed
    # Visible again: it catches up.
    await store.network.set_visible(member, True)
    assert (await store.network.contact(contact)).details == later


async def test_a_hand_edited_record_holds_the_change_for_review(store, books):
    (member,) = await add_members(store, ("Boulangerie Côté", "CA", True))
    (card,) = await store.network.search(books, "cote")
    contact = await store.network.add_contact(books, "customer", card.details, member_id=member)
    mine = Details("Boulangerie Côté (Lévis)", "compta@cote.ca", "", "", "", "")
    await store.network.edit_contact(contact, mine)
    theirs = Details("Boulangerie Côté Inc.", "info@cote.ca", "", "", "", "Lévis")
    await store.network.update_profile(member, theirs)
    row = await store.network.contact(contact)
    assert row.details == mine and row.pending == theirs and row.edited
    await store.network.resolve(contact, take_theirs=False)
    row = await store.network.contact(contact)
    assert row.details == mine and row.pending is None
    newer = Details("Boulangerie Côté Inc.", "bonjour@cote.ca", "", "", "", "Lévis")
    await store.network.update_profile(member, newer)
    await store.network.resolve(contact, take_theirs=True)
    row = await store.network.contact(contact)
    assert row.details == newer and row.pending is None and not row.edited
    unlinked = await store.network.add_contact(books, "customer", Details("Walk-in"))
    assert not (await store.network.contact(unlinked)).linked


async def test_only_visible_same_region_members_can_be_linked(store, books):
    hidden, us = await add_members(store, ("Roy Hidden", "CA", False), ("Roy Boston", "US", True))
    for member in (hidden, us, books):
        with pytest.raises(NetworkError):
            await store.network.add_contact(books, "vendor", Details("x"), member_id=member)


async def test_an_organization_gets_books_when_it_accepts(store):
    preparer = await make_preparer(store)
    org = await add_client(store, preparer.firm_id, organization_name="Toiture Fortin",
                           email="info@fortin.ca", phone="418 555 0101")
    person = await add_client(store, preparer.firm_id, first_name="Jean", last_name="Roy",
                              email="jean@example.com")
    from tests.test_store_invitations import Builder

    for client in (org, person):
        builder = Builder()
        await store.invitations.invite(client, 2025, preparer.id, "http://x", "a@b.ca", "fr",
                                       builder)
        await store.invitations.accept(builder.token)
    books = await store.network.books_of_client(org)
    info = await store.network.company(books)
    assert info.details.name == "Toiture Fortin" and info.details.phone == "+14185550101"
    assert info.visible and info.region == "CA" and not info.is_firm_books
    assert await store.network.books_of_client(person) is None
    assert await store.network.ensure_books(person) is None


async def test_an_organization_accepted_before_the_network_gets_books_on_first_look(store):
    from store import ACCEPTED
    from tests.helpers import set_status

    preparer = await make_preparer(store)
    org = await add_client(store, preparer.firm_id, organization_name="Garage Morin",
                           email="info@morin.ca")
    assert await store.network.ensure_books(org) is None  # not accepted
    await set_status(store, org, 2024, ACCEPTED)
    books = await store.network.ensure_books(org)
    assert books is not None and await store.network.ensure_books(org) == books
    (other,) = await add_members(store, ("Toiture Roy", "CA", True))
    assert await names(store, other, "morin") == ["Garage Morin"]


def write(tmp_path, text: str, name="members.csv", encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


async def test_import_reports_bad_rows_by_line_and_loads_the_rest(store, tmp_path, books):
    path = write(tmp_path, "\ufeffmember_id,name,email,phone,website,region,plan,visible\n"
                 "A1,Électricité Côté,info@cote.ca,418-555-0100,cote.ca,CA,Plus,yes\n"
                 ",No id,,,,,,\n"
                 "A2,Bad Mail,not-an-email,,,CA,,\n"
                 "A3,Bad plan,,,,CA,Platinum,\n"
                 "A1,Twice,,,,,,\n"
                 '"A4","Rénovations ""Lévis""",,,,CA,,no\n'
                 "A5,Short,,,\n")
    report = await import_members(store, path)
    assert (report.added, report.updated) == (2, 0)
    assert [(e.line, e.reason) for e in report.errors] == [
        (3, "member_id_empty"), (4, "email_invalid"), (5, "plan_invalid"),
        (6, "member_id_repeated"), (8, "field_count")]
    assert report.errors[1].value == "not-an-email" and report.errors[3].value == "2"
    assert await names(store, books, "cote") == ["Électricité Côté"]
    (card,) = await store.network.search(books, "elec")
    assert card.website == "https://cote.ca"
    assert await names(store, books, "levis") == []  # imported hidden


async def test_reimport_updates_by_member_id_and_fans_out(store, tmp_path, books):
    header = "member_id,name,email,city\n"
    await import_members(store, write(tmp_path, header + "B1,Garage Morin,a@morin.ca,Laval\n"
                                                         "B2,Café Roy,,Québec\n"))
    (card,) = await store.network.search(books, "morin")
    contact = await store.network.add_contact(books, "vendor", card.details, member_id=card.id)
    report = await import_members(store, write(
        tmp_path, header + "B1,Garage Morin Ltée,b@morin.ca,Laval\nB2,Café Roy,,Québec\n",
        name="again.csv"))
    assert (report.added, report.updated, report.unchanged, report.linked_updated) == (
        0, 1, 1, 1)
    row = await store.network.contact(contact)
    assert row.details.name == "Garage Morin Ltée" and row.details.email == "b@morin.ca"
    assert await names(store, books, "morin") == ["Garage Morin Ltée"]


async def test_a_file_that_cannot_be_read_imports_nothing(store, tmp_path):
    bad = write(tmp_path, "member_id,name\nC1,Fine\nC2,Caf\xe9\n", encoding="latin-1")
    with pytest.raises(ImportFileError, match="not UTF-8"):
        await import_members(store, bad)
    assert await store.scalar(Company.select(Company.id).where(
        Company.member_key == "C1")) is None  # the transaction was rolled back
    with pytest.raises(ImportFileError, match="unknown column"):
        list(MemberFile(write(tmp_path, "member_id,name,emial\n", name="typo.csv")))
    with pytest.raises(ImportFileError):
        MemberFile(tmp_path / "missing.csv")


async def test_reimport_counts_a_hand_edited_link_as_held_not_updated(store, tmp_path, books):
    """'1 linked customers or vendors updated.' was said also of a record that held the change."""
    from dataclasses import replace

    header = "member_id,name,email,city\n"
    await import_members(store, write(tmp_path, header + "B1,Garage Morin,a@morin.ca,Laval\n"))
    (card,) = await store.network.search(books, "morin")
    contact = await store.network.add_contact(books, "vendor", card.details, member_id=card.id)
    await store.network.edit_contact(contact, replace(card.details, phone="+14185550100"))
    report = await import_members(store, write(
        tmp_path, header + "B1,Garage Morin Ltée,b@morin.ca,Laval\n", name="again.csv"))
    assert (report.linked_updated, report.linked_held) == (0, 1)
    assert (await store.network.contact(contact)).details.name == "Garage Morin"


async def test_a_bad_byte_is_reported_on_its_own_line(store, tmp_path):
    """A bad byte on line 5,002 was reported "near line 4962": the text is decoded ahead of
    the CSV reader's count."""
    rows = "".join(f"M{i},Member {i}\n" for i in range(2, 5002))
    path = tmp_path / "members.csv"
    path.write_bytes(("member_id,name\n" + rows).encode() + b"M5002,Caf\xe9\n")
    with pytest.raises(ImportFileError, match=r"not UTF-8 text on line 5002 "):
        await import_members(store, str(path))
