"""Keep the French catalog in step with the code: `update` then translate, then `compile`.

    python tools/catalog.py update    # add new messages to the .po (translations kept)
    python tools/catalog.py compile   # write the .mo the app loads
    python tools/catalog.py check     # exit 1 if a message lacks French, breaks the spacing
                                      # rule below, or the .mo is stale
    python tools/catalog.py spacing   # apply the spacing rule to every French message

French punctuation follows one rule, Québec's (OQLF): a no-break space (U+00A0) before a
colon that punctuates ("Arrêt\u00a0: plus rien"; not "12:30" or "http://"), no space before
";", "?" or "!".

Messages are every string passed to `_()` or `N_()` under tui/ and linkdesk/.
"""

from __future__ import annotations

import gettext
import io
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "tui", ROOT / "linkdesk")
PO = ROOT / "linkdesk" / "locale" / "fr" / "LC_MESSAGES" / "linkdesk.po"
MO = PO.with_suffix(".mo")


def extracted() -> list[str | tuple[str, str]]:
    """Every message of the code, in order of first appearance; a plural (ngettext) as its
    (singular, plural) pair."""
    seen: dict[str | tuple[str, str], None] = {}
    for source in SOURCES:
        for _file, _line, message, _comments, _context in extract_from_dir(
                str(source), keywords={"_": None, "N_": None, "ngettext": (1, 2)},
                comment_tags=()):
            if isinstance(message, tuple):
                message = tuple(message[:2])
            if message:
                seen.setdefault(message, None)
    return list(seen)


def _key(message):
    """How the catalog finds a message: a plural by its singular."""
    return message[0] if isinstance(message, tuple) else message


def _translated(entry) -> bool:
    if entry is None:
        return False
    if isinstance(entry.string, tuple | list):
        return all(entry.string)
    return bool(entry.string)


def load() -> Catalog:
    with open(PO, "rb") as handle:
        return read_po(handle, locale="fr_CA")


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def messages(mo: bytes) -> dict:
    """The translations a compiled catalog holds, without its header.

    The header names the Babel version that wrote the file, so comparing bytes would turn
    main red on every Babel release; what matters is each message and its translation.
    """
    table = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)
    table.pop("", None)
    return table


def is_current(catalog: Catalog) -> bool:
    """Whether the committed .mo holds exactly the .po's messages and translations."""
    return MO.exists() and messages(MO.read_bytes()) == messages(compiled(catalog))


def missing(catalog: Catalog) -> list:
    return [m for m in extracted() if not _translated(catalog.get(_key(m)))]


NBSP = "\u00a0"
_COLON = re.compile(r"(?<!\u00a0):(?=\s|$)")  # a colon that punctuates, without its no-break space
_SPACED = re.compile(r"[ \u00a0\u202f]+([;?!])")  # a space before ; ? !


def _strings(message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple | list) else [string or ""]


def spacing_problems(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(msgid, French, what is wrong) for each French message that breaks the spacing rule."""
    problems = []
    for message in catalog:
        if not message.id:
            continue
        for french in _strings(message):
            found = _SPACED.search(french)
            if _COLON.search(french):
                problem = f"a no-break space before {':'!r}"
            elif found:
                problem = f"no space before {found.group(1)!r}"
            else:
                continue
            problems.append((_key(message.id), french, problem))
    return problems


def respaced(french: str) -> str:
    """The French with the spacing rule applied."""
    french = _SPACED.sub(r"\1", french)
    return re.sub(r"[ \u202f]*(?<!\u00a0):(?=\s|$)", NBSP + ":", french)


def update() -> None:
    old = load() if PO.exists() else Catalog(locale="fr_CA")
    new = Catalog(locale="fr_CA", project="linkdesk", domain="linkdesk")
    forms = new.num_plurals
    for message in extracted():
        known = old.get(_key(message))
        if isinstance(message, tuple):
            string = tuple(known.string) if known and isinstance(known.string, tuple | list) \
                else ("",) * forms
            new.add(message, string)
        else:
            new.add(message, known.string if known else "")
    PO.parent.mkdir(parents=True, exist_ok=True)
    with open(PO, "wb") as handle:
        write_po(handle, new, width=100, omit_header=False, sort_output=False)
    print(f"{PO}: {len(new)} messages, {len(missing(new))} without French")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "compile":
        MO.write_bytes(compiled(load()))
        print(f"wrote {MO}")
    elif command == "spacing":
        catalog = load()
        for message in catalog:
            if message.id:
                strings = [respaced(french) for french in _strings(message)]
                message.string = tuple(strings) if isinstance(message.id, tuple) else strings[0]
        with open(PO, "wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=False)
        print(f"{PO}: {len(spacing_problems(catalog))} messages still against the rule")
    elif command == "check":
        catalog = load()
        gaps = missing(catalog)
        for message in gaps:
            print(f"no French for: {message!r}")
        spacing = spacing_problems(catalog)
        for msgid, french, problem in spacing:
            print(f"{problem}: {french!r} (for {msgid!r})")
        stale = not is_current(catalog)
        if stale:
            print("the .mo is stale: run `python tools/catalog.py compile`")
        return 1 if gaps or spacing or stale else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
