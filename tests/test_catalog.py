"""The French catalog is complete: every string a person reads has French, with the same
placeholders, and the compiled catalog the app loads is current."""

from __future__ import annotations

import importlib.util
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def catalog_tool():
    spec = importlib.util.spec_from_file_location("catalog", ROOT / "tools" / "catalog.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_every_message_has_french_with_the_same_placeholders():
    tool = catalog_tool()
    catalog = tool.load()
    assert tool.missing(catalog) == [], "run tools/catalog.py update, translate, compile"
    for message in tool.extracted():
        if isinstance(message, tuple):  # a plural: every French form, the same fields
            for french in catalog.get(message[0]).string:
                assert fields(french) == fields(message[1]), (message, french)
                assert french.strip(), message
            continue
        french = catalog.get(message).string
        assert fields(french) == fields(message), (message, french)
        assert french.strip(), message


def test_french_punctuation_follows_one_rule():
    """Québec French (OQLF): a no-break space before ":", none before ";", "?" or "!"."""
    tool = catalog_tool()
    assert tool.spacing_problems(tool.load()) == []


@pytest.mark.parametrize(("french", "problem"), [
    ("Arrêt : plus rien", "a no-break space before ':'"),
    ("Arrêt: plus rien", "a no-break space before ':'"),
    ("Arrêt\u00a0: plus rien ; fin", "no space before ';'"),
    ("Envoyer\u00a0?", "no space before '?'"),
])
def test_the_spacing_check_finds_each_slip(french, problem):
    from babel.messages.catalog import Catalog

    tool = catalog_tool()
    catalog = Catalog(locale="fr_CA")
    catalog.add("Stop: nothing more", french)
    catalog.add("At 12:30, see http://x.ca", "À 12:30, voir http://x.ca")  # no punctuation
    assert tool.spacing_problems(catalog) == [("Stop: nothing more", french, problem)]


def test_the_compiled_catalog_is_current():
    tool = catalog_tool()
    assert tool.is_current(tool.load()), "run tools/catalog.py compile"


def test_a_new_babel_release_does_not_make_the_catalog_stale():
    tool = catalog_tool()
    catalog = tool.load()
    mo = re.sub(rb"Babel [0-9.]+", lambda m: b"Babel " + b"9" * (len(m[0]) - 6),
                tool.compiled(catalog))
    assert mo != tool.compiled(catalog)
    assert tool.messages(mo) == tool.messages(tool.compiled(catalog))
    catalog.get("Add a new client").string = "Ajouter un autre client"
    assert tool.messages(tool.compiled(catalog)) != tool.messages(tool.MO.read_bytes())


def test_a_french_preparer_reads_french(sqlite_url):
    made = subprocess.run([sys.executable, "-m", "linkdesk", "--db", sqlite_url, "--lang", "fr",
                           "user", "add", "marie", "--email", "m@example.com", "--firm", "C"],
                          input="correct horse battery\n", capture_output=True, text=True)
    assert "Préparateur marie créé dans C." in made.stdout
    status = subprocess.run([sys.executable, "-m", "linkdesk", "--db", sqlite_url, "--lang", "fr",
                             "status", "--tax-year", "2025"], capture_output=True, text=True)
    assert "Année d'imposition 2025" in status.stdout
    assert "Invitation en attente" in status.stdout and "Non invité" in status.stdout


def test_statuses_and_keys_in_french():
    from linkdesk import i18n

    try:
        i18n.set_language("fr")
        from linkdesk.labels import status_label

        assert status_label("accepted") == "Invitation acceptée"
        assert i18n._("Add a new client") == "Ajouter un client"
    finally:
        i18n.set_language("en")


def test_plurals_are_in_the_catalog_and_french_counts_one_as_one():
    """ngettext messages are extracted with both forms and translated in every French form
    ("1 résultat", "2 résultats"; French counts 0 and 1 as singular)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import catalog

    from linkdesk.i18n import ngettext, set_language

    plurals = [m for m in catalog.extracted() if isinstance(m, tuple)]
    assert ("{n} bill for review (b)", "{n} bills for review (b)") in plurals
    assert catalog.missing(catalog.load()) == []
    try:
        set_language("fr")
        text = "{n} match. ↓ to choose; c adds as customer, v as vendor."
        many = "{n} matches. ↓ to choose; c adds as customer, v as vendor."
        assert ngettext(text, many, 1).startswith("{n} résultat.")
        assert ngettext(text, many, 2).startswith("{n} résultats.")
        set_language("en")
        assert ngettext(text, many, 1).startswith("{n} match.")
    finally:
        set_language("en")


def test_a_name_ending_with_a_period_ends_the_sentence_once_in_both_languages():
    """Leblanc Cleaning Ltd. accepting is "…: Leblanc Cleaning Ltd.", never "Ltd.."; the
    same rule as the acceptance page's, for every sentence that ends on a name."""
    from linkdesk.i18n import fill, set_language
    from tui.one_toast import AcceptanceNews

    assert fill("Created preparer {name} in {firm}.", name="marie", firm="Acme Inc.") == \
        "Created preparer marie in Acme Inc."
    assert fill("Created preparer {name} in {firm}.", name="marie", firm="Acme") == \
        "Created preparer marie in Acme."
    try:
        for language in ("en", "fr"):
            set_language(language)
            said = AcceptanceNews.message(["Gagnon, Émilie", "Leblanc Cleaning Ltd."])
            assert said.endswith("Leblanc Cleaning Ltd.") and ".." not in said, said
    finally:
        set_language("en")


def test_a_bills_rates_and_quantities_are_written_as_the_language_writes_them():
    """The review showed "S 14.975%" in both languages: the UNCL code a preparer cannot read,
    and an English decimal point in French."""
    from decimal import Decimal

    from linkdesk.i18n import set_language
    from linkdesk.labels import number, tax_rate_label

    try:
        assert tax_rate_label("S", Decimal("14.975")) == "14.975%"
        assert tax_rate_label("E", Decimal("0")) == "0% exempt"
        assert tax_rate_label("XY", Decimal("5")) == "5% XY"  # an unknown code, as sent
        set_language("fr")
        assert tax_rate_label("S", Decimal("14.975")) == "14,975\u00a0%"
        assert tax_rate_label("Z", Decimal("0")) == "0\u00a0% détaxé"
        assert number(Decimal("1.50")) == "1,5"
    finally:
        set_language("en")


def test_a_count_before_a_plural_noun_goes_through_ngettext():
    """"Import 1 clients", "1 rows with errors": a message that puts a count before a plural
    noun is a plural message, with its singular."""
    import re
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
    import catalog

    never_one = {  # counts that cannot be 1 where these are said
        "The first {n} matches: type more to narrow them.",  # the most shown, 50
    }
    count_then_plural = re.compile(r"\{(n|count|ready|bad|queued|sent|total)\} [a-zé]+s\b")
    singular_only = [m for m in catalog.extracted() if isinstance(m, str)
                     and count_then_plural.search(m) and m not in never_one
                     and not m.startswith("--company:")]  # two or more companies, by design
    assert singular_only == []


def test_amounts_durations_and_counts_are_written_as_french_writes_them():
    """'1656.25 EUR', 'Terminé en 0.0 s.', '1 ignorés' were English habits in French text."""
    from decimal import Decimal

    from linkdesk.i18n import ngettext, set_language
    from linkdesk.labels import bill_import_line, bulk_counts, seconds

    class Progress:
        sent, waiting, failed, skipped, cancelled = 1, 0, 0, 1, False

    try:
        set_language("fr")
        line = bill_import_line({"outcome": "created", "file": "a.xml", "number": "S1",
                                 "total": Decimal("1656.25"), "currency": "EUR"})
        assert line == "a.xml\u00a0: facture S1 à examiner (1\u00a0656,25\u00a0€)", line
        assert seconds(0.04) == "0,0" and seconds(12.34) == "12,3"
        assert bulk_counts(Progress()) == (
            "1 envoyée · 0 en attente · 0 en échec · 1 ignorée")
        assert ngettext("{shown} shown of {total}", "{shown} shown of {total}", 0).format(
            shown=0, total=0) == "0 affiché sur 0"
    finally:
        set_language("en")


@pytest.mark.parametrize(("language", "day", "moment"), [
    ("en", "Mar 22, 2026", "Mar 22, 2026, 1:05 p.m."),  # CLDR's narrow space before p.m.
    ("fr", "22 mars 2026", "22 mars 2026, 13 h 05"),
])
def test_every_screen_writes_a_date_and_a_moment_one_way(language, day, moment):
    """The history wrote '22 mars 2026, 13 h 05 min 00 s', the mail and SSH screens
    '2026-03-22 13 h 05', the bills '22 mars 2026': one date style, and a moment is that
    date with its time (local time; the stored times are UTC)."""
    import datetime as dt

    from linkdesk.i18n import set_language
    from linkdesk.labels import when, when_at
    from tui.formatting import format_datetime
    from tui.screens.sent_mail import sent_at

    stored = dt.datetime(2026, 3, 22, 13, 5)  # naive UTC, as the store keeps it
    local = stored.replace(tzinfo=dt.UTC).astimezone()
    try:
        set_language(language)
        assert when("2026-03-22") == day
        shown = {when_at(stored), format_datetime(stored), sent_at(stored)}
    finally:
        set_language("en")
    expected = moment.replace("1:05 p.m.", local.strftime("%-I:%M\u202f") + (
        "p.m." if local.hour >= 12 else "a.m.")).replace("13 h 05", local.strftime("%-H h %M"))
    assert shown == {expected}
