"""The French catalog is complete: every string a person reads has French, with the same
placeholders, and the compiled catalog the app loads is current."""

from __future__ import annotations

import importlib.util
import re
import string
import subprocess
import sys
from pathlib import Path

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
        french = catalog.get(message).string
        assert fields(french) == fields(message), (message, french)
        assert french.strip(), message


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
