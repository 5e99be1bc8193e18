"""Clients from and to CSV: headers recognised in English and French, a preview, one transaction.

Reading never writes: `read_plan` returns what an import would do (columns recognised, rows
ready, each bad row with its line number and reason, duplicates); `import_plan` then writes
the ready rows in one transaction, so a failure midway leaves nothing half-imported.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from store.clients import ClientQuery
from store.import_runs import live
from store.text import clean_text, fold
from store.validate import (
    MAX_NAME,
    CleanClient,
    FieldError,
    email_key,
    quick_email,
    quick_phone,
)

if TYPE_CHECKING:
    from store.store import Store

FIELDS = ("first_name", "last_name", "organization_name", "email", "phone", "language", "kind")
# Header spellings, folded (lower case, no accents, no punctuation): English and French.
HEADERS = {
    "first_name": ("first name", "firstname", "first", "given name", "prenom", "prenoms"),
    "last_name": ("last name", "lastname", "surname", "family name", "nom", "nom de famille"),
    "organization_name": ("organization", "organisation", "organization name", "company",
                          "company name", "business", "entreprise", "societe", "compagnie",
                          "raison sociale", "nom de l entreprise", "organisme"),
    "email": ("email", "e mail", "email address", "courriel", "adresse courriel", "mail",
              "adresse electronique", "e mail address"),
    "phone": ("phone", "telephone", "phone number", "tel", "cell", "mobile", "cellulaire",
              "numero de telephone", "work phone"),
    "language": ("language", "langue", "lang", "preferred language", "langue de correspondance"),
    "kind": ("kind", "type", "client type", "type de client"),
}
_LANGUAGES = {"en": "en", "english": "en", "anglais": "en", "eng": "en", "fr": "fr",
              "french": "fr", "francais": "fr", "fra": "fr", "fr ca": "fr", "en ca": "en"}
_KINDS = {"individual": "individual", "individu": "individual", "particulier": "individual",
          "person": "individual", "personne": "individual", "organization": "organization",
          "organisation": "organization", "company": "organization", "entreprise": "organization",
          "business": "organization", "societe": "organization"}
EXPORT_COLUMNS = ["kind", "first_name", "last_name", "organization_name", "email", "phone",
                  "language", "status", "active"]


class ClientFileError(ValueError):
    """The file cannot be read at all; nothing is imported."""


def _header_key(text: str) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in fold(text)).split())


def recognise(header: list[str]) -> dict[int, str]:
    """Column index → field for the headers it knows (each field taken once)."""
    known = {spelling: name for name, spellings in HEADERS.items() for spelling in spellings}
    known.update({name.replace("_", " "): name for name in FIELDS})
    mapping: dict[int, str] = {}
    for index, title in enumerate(header):
        name = known.get(_header_key(title))
        if name is not None and name not in mapping.values():
            mapping[index] = name
    return mapping


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class ImportPlan:
    """What importing the file would do; nothing is written until import_plan."""

    path: Path
    encoding: str
    delimiter: str
    header: list[str]
    mapping: dict[int, str]
    ready: list[tuple[int, CleanClient]] = field(default_factory=list)  # (line, client)
    bad: list[BadRow] = field(default_factory=list)
    duplicates_in_file: list[int] = field(default_factory=list)  # line numbers
    duplicates_existing: list[int] = field(default_factory=list)

    @property
    def ignored_columns(self) -> list[str]:
        return [title for i, title in enumerate(self.header) if i not in self.mapping]

    @property
    def missing(self) -> list[str]:
        """What the file needs and lacks: an email, and names of some kind."""
        fields = set(self.mapping.values())
        lacks = [] if "email" in fields else ["email"]
        if not ({"first_name", "last_name"} <= fields or "organization_name" in fields):
            lacks.append("first_name + last_name, or organization_name")
        return lacks


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM), else Windows-1252 (Excel).

    A file that is UTF-8 in places and Windows-1252 in others (rows pasted from two sources)
    is refused with the first line that breaks: decoding it either way would turn every name
    of the other part into "Ã‰milie".
    """
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if _UTF8_SEQUENCE.search(raw):
            line = raw[:exc.start].count(b"\n") + 1
            raise ClientFileError(
                f"{path}: line {line} is not UTF-8 while other lines are: save the file "
                f"again as UTF-8 (CSV UTF-8 in Excel)") from None
        return raw.decode("cp1252", errors="replace"), "cp1252"


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _unneutralise(cell: str) -> str:
    """What `neutralise` wrote, read back as it was (an export imports back unchanged)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS) else cell


def _delimiter(text: str) -> str:
    sample = text[:8192]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ";" if sample.count(";") > sample.count(",") else ","


def check_row(values: dict[str, str], region: str) -> CleanClient:
    """One row as a client; FieldError names the first problem."""
    def get(name: str) -> str:
        return clean_text(values.get(name, ""))

    first, last, organization = get("first_name"), get("last_name"), get("organization_name")
    kind_raw = _header_key(get("kind"))
    kind = _KINDS.get(kind_raw) if kind_raw else (
        "organization" if organization and not (first or last) else "individual")
    if kind is None:
        raise FieldError("kind_invalid")
    if kind == "organization":
        if not organization:
            raise FieldError("organization_name: required")
        first = last = ""
    else:
        if not first or not last:
            raise FieldError(("first_name" if not first else "last_name") + ": required")
        organization = ""
    for value in (first, last, organization):
        if len(value) > MAX_NAME:
            raise FieldError("name_too_long")
    try:
        email = quick_email(get("email"))
    except FieldError as exc:
        raise FieldError(f"email: {exc.code}") from None
    try:
        phone = quick_phone(get("phone"), region)
    except FieldError:
        raise FieldError("phone: phone_invalid") from None
    language_raw = _header_key(get("language"))
    language = _LANGUAGES.get(language_raw) if language_raw else "en"
    if language is None:
        raise FieldError("language: language_invalid")
    return CleanClient(kind, email, first, last, organization, phone, language)


async def read_plan(store: Store, firm_id: int, path: Path, region: str = "CA",
                    mapping: dict[int, str] | None = None) -> ImportPlan:
    """Read and check the whole file; write nothing. `mapping` overrides the recognised one."""
    try:
        raw = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        raise ClientFileError(f"{path}: {exc.strerror or exc}") from None
    text, encoding = _decode(raw, path)
    if "\x00" in text:
        raise ClientFileError(f"{path}: not a text file")
    delimiter = _delimiter(text)
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ClientFileError(f"{path}: line {reader.line_num}: {exc}") from None
    if header is not None and reader.line_num > 1:  # the header's own quote left open
        raise ClientFileError(f"{path}: line 1: {UNCLOSED_QUOTE}")
    if not header:
        raise ClientFileError(f"{path}: the file is empty")
    plan = ImportPlan(Path(path), encoding, delimiter, header,
                      mapping if mapping is not None else recognise(header))
    if plan.missing:
        return plan
    seen: dict[str, int] = {}
    from store.models import Client

    existing = {key for (key,) in await store.list(
        Client.select(Client.email_key).where((Client.firm == firm_id) & live(Client))
        .tuples())}
    try:
        for line, row in _rows(lines, 1, delimiter, len(header), set(plan.mapping)):
            if row is None:
                plan.bad.append(BadRow(line, "quote_unclosed"))
                continue
            if not any(cell.strip() for cell in row):
                continue
            values = {name: _unneutralise(row[i]) for i, name in plan.mapping.items()
                      if i < len(row)}
            try:
                clean = check_row(values, region)
            except FieldError as exc:
                plan.bad.append(BadRow(line, exc.code))
                continue
            key = email_key(clean.email)
            if key in seen:
                plan.duplicates_in_file.append(line)
            elif key in existing:
                plan.duplicates_existing.append(line)
            else:
                seen[key] = line
                plan.ready.append((line, clean))
    except csv.Error as exc:
        raise ClientFileError(f"{path}: {exc}") from None
    return plan


UNCLOSED_QUOTE = "a quotation mark opened on this line is never closed"


def _rows(lines: list[str], start: int, delimiter: str, width: int, mapped: set[int]):
    """(line number, cells) for each row from `lines[start:]`; (line, None) for a row whose
    quotation mark is never closed, whose lines after it are then read as rows of their own.

    csv reads on from an open quote to the next quotation mark, or to the end of the file:
    one stray quote silently took the rows after it into one cell. A row read across lines
    is taken as it is only when the line breaks sit in columns not imported (an address, a
    note) and it has as many cells as the header; else it is the broken row.
    """
    while start < len(lines):
        reader = csv.reader(lines[start:], delimiter=delimiter)
        for before, row in _rows_of(reader, start):
            if reader.line_num - before > 1 and (len(row) != width or any(
                    "\n" in cell or "\r" in cell for i, cell in enumerate(row) if i in mapped)):
                first = start + before + 1
                yield first, None
                start = first  # the lines after the broken one, read afresh
                break
            yield start + reader.line_num, row
        else:
            return


def _rows_of(reader, start: int):
    """(lines read before it, cells) for each row of `reader` (reading from line `start` + 1
    of the file); a row that cannot be read (a field past csv's size limit) is csv.Error
    naming its line in the file."""
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise csv.Error(f"line {start + reader.line_num}: {exc}") from None
        yield before, row


async def import_plan(store: Store, firm_id: int, plan: ImportPlan,
                      preparer_id: int | None) -> int:
    """Write the plan's ready rows, all or none (switched on at the end, store.import_runs);
    return how many clients were added."""
    return len(await store.clients.import_many(firm_id, [c for _line, c in plan.ready],
                                               preparer_id, source=plan.path.name))


async def export_clients(store: Store, q: ClientQuery, path: Path) -> int:
    """Write the clients the query shows, in its order, with their status, to CSV (UTF-8 with
    a BOM, so spreadsheets read the accents); return how many were written."""
    from store.atomic_file import write_atomically
    from store.models import Client

    ids = await store.clients.ids(q)
    statuses = await store.clients.statuses_of(ids, q.tax_year)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        rows = {row[0]: row[1:] for row in await store.list(
            Client.select(Client.id, Client.kind, Client.first_name, Client.last_name,
                          Client.organization_name, Client.email, Client.phone,
                          Client.language, Client.active)
            .where(Client.id.in_(chunk)).tuples())}
        for client_id in chunk:
            kind, first, last, org, email, phone, language, active = rows[client_id]
            writer.writerow([neutralise(cell) for cell in (
                kind, first or "", last or "", org or "", email, phone or "", language,
                statuses[client_id], "yes" if active else "no")])
    try:
        await asyncio.to_thread(write_atomically, path, out.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise ClientFileError(f"{path}: {exc.strerror or exc}") from None
    return len(ids)
