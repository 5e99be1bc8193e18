"""Loading the member directory from CSV: checked row by row, switched on all at once.

Columns (a header row is required; names are case-insensitive, order free):
member_id (required, stable: a second import updates by it), name (required), email, phone,
website, address, city, region (two-letter country code, default CA), plan (Simple Start,
Essentials, Plus or Advanced; default Essentials), visible (yes/no, default yes).

A row with an error is reported with its line number and skipped; the others are loaded. The
import is written as a hidden generation in short transactions and switched on at the end in
one (store.import_runs): interrupted, the directory is as it was before.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from store.models import Company, MemberChange
from store.network import PUBLIC_FIELDS
from store.text import clean_text, fold
from store.validate import MAX_NAME, FieldError, parse_website, quick_email, quick_phone

if TYPE_CHECKING:
    from store.store import Store

COLUMNS = ("member_id", "name", "email", "phone", "website", "address", "city", "region",
           "plan", "visible")
CHUNK = 1000
_PLANS = {"simplestart": "simple_start", "demarrage": "simple_start", "essentials": "essentials",
          "essentiel": "essentials", "essentiels": "essentials", "plus": "plus",
          "advanced": "advanced", "avance": "advanced", "avancee": "advanced"}
_YES = {"", "1", "yes", "y", "true", "on", "oui", "o", "vrai"}
_NO = {"0", "no", "n", "false", "off", "non", "faux"}
_PLAIN_SITE = re.compile(r"^(?:https?://)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
                         r"(?:/[^\s]*)?$")


class ImportFileError(ValueError):
    """The file cannot be imported at all (missing, not CSV, not UTF-8, wrong header)."""


@dataclass(frozen=True)
class RowError:
    """A skipped row: its line, why (a code the screens and commands word), and the value."""

    line: int
    reason: str
    value: str = ""


@dataclass
class ImportReport:
    """What an import did: members added, changed, unchanged; rows skipped and why."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    linked_updated: int = 0
    linked_held: int = 0  # linked records edited by hand: they hold the change for review
    fresh: bool = False  # the directory was empty when the import began
    errors: list[RowError] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return self.added + self.updated + self.unchanged


@dataclass(frozen=True)
class MemberRow:
    line: int
    member_key: str
    name_fold: str
    values: dict  # name, email, phone, website, address, city, region, plan, visible


def check_row(line: int, raw: dict[str, str]) -> MemberRow | RowError:
    """One CSV row checked; the first problem found is the reason it is skipped."""
    def get(name: str) -> str:
        return clean_text(raw.get(name) or "")

    key = get("member_id")
    if not key:
        return RowError(line, "member_id_empty")
    if len(key) > 100:
        return RowError(line, "member_id_too_long")
    name = get("name")
    if not name:
        return RowError(line, "name_empty")
    if len(name) > MAX_NAME:
        return RowError(line, "name_too_long")
    email = get("email")
    if email:
        try:
            email = quick_email(email)
        except FieldError:
            return RowError(line, "email_invalid", email)
    region = get("region").upper() or "CA"
    if not re.fullmatch(r"[A-Z]{2}", region):
        return RowError(line, "region_invalid", region)
    phone = get("phone")
    if phone:
        try:
            phone = quick_phone(phone, region) or ""
        except FieldError:
            return RowError(line, "phone_invalid", phone)
    website = get("website")
    if website:
        if _PLAIN_SITE.match(website):
            website = website if "://" in website else "https://" + website
        else:
            try:
                website = parse_website(website)
            except FieldError:
                return RowError(line, "website_invalid", website)
    plan_raw = get("plan")
    plan = _PLANS.get(re.sub(r"[\s_-]", "", fold(plan_raw)), None) if plan_raw else "essentials"
    if plan is None:
        return RowError(line, "plan_invalid", plan_raw)
    visible_raw = fold(get("visible"))
    if visible_raw in _YES:
        visible = True
    elif visible_raw in _NO:
        visible = False
    else:
        return RowError(line, "visible_invalid", get("visible"))
    return MemberRow(line, key, fold(name), dict(
        name=name, email=email, phone=phone, website=website, address=get("address")[:MAX_NAME],
        city=get("city")[:MAX_NAME], region=region, plan=plan, visible=visible))


class MemberFile:
    """The file's rows, checked, with their line numbers (UTF-8, with or without a BOM)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.size = self.path.stat().st_size
            self._handle = open(self.path, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise ImportFileError(f"{path}: {exc.strerror or exc}") from None

    def close(self) -> None:
        self._handle.close()

    @property
    def position(self) -> int:
        """Bytes read so far, for a progress bar."""
        try:
            return cast(BinaryIO, self._handle.buffer).tell()
        except (OSError, ValueError):
            return self.size

    def __iter__(self) -> Iterator[MemberRow | RowError]:
        path = self.path
        with self._handle as handle:
            reader = csv.reader(handle)
            try:
                yield from self._rows(reader)
            except UnicodeDecodeError as exc:
                line, reason = _first_bad_line(path, exc.reason)
                raise ImportFileError(
                    f"{path}: not UTF-8 text on line {line} ({reason}); "
                    "save it as CSV UTF-8") from None
            except csv.Error as exc:
                raise ImportFileError(f"{path}: line {reader.line_num}: {exc}") from None

    def _rows(self, reader) -> Iterator[MemberRow | RowError]:
        path = self.path
        header = next(reader, None)
        if header is None:
            raise ImportFileError(f"{path}: the file is empty")
        names = [fold(h.strip()).replace(" ", "_") for h in header]
        unknown = [h for h in names if h not in COLUMNS]
        if unknown:
            raise ImportFileError(
                f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; "
                f"expected {', '.join(COLUMNS)}")
        missing = [c for c in ("member_id", "name") if c not in names]
        if missing:
            raise ImportFileError(f"{path}: missing column(s) {', '.join(missing)}")
        seen: dict[str, int] = {}
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                yield RowError(line, "field_count", f"{len(row)}/{len(names)}")
                continue
            checked = check_row(line, dict(zip(names, row, strict=True)))
            if isinstance(checked, MemberRow):
                first = seen.setdefault(checked.member_key, line)
                if first != line:
                    yield RowError(line, "member_id_repeated", str(first))
                    continue
            yield checked


async def import_members(store: Store, path: Path,
                         progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Load the directory from `path`; `progress(bytes read, total)`.

    The rows are written as a hidden generation, a chunk per short transaction, and switched on
    at the end in one transaction (store.import_runs): other writers never wait for the whole
    import, and an import cut short anywhere leaves the directory as it was.
    """
    report = ImportReport()
    rows = MemberFile(path)
    total = rows.size
    network = store.network
    runs = store.import_runs
    run = await runs.begin("members")
    try:
        if store.target.is_sqlite:
            # A big page cache while the indexes grow (the default 8 MiB thrashes), for this
            # connection and this import only.
            await store.db.aexecute_sql("PRAGMA cache_size = -262144")
            # Nothing secret is deleted by an import: skip zeroing freed pages (FTS merges).
            await store.db.aexecute_sql("PRAGMA secure_delete = 0")
        # Into an empty directory, no row can exist already: skip the look-ups.
        report.fresh = await store.scalar(
            Company.select(Company.id).where(Company.member_key.is_null(False)).limit(1)) is None
        batch: list[MemberRow] = []
        for item in rows:
            if isinstance(item, RowError):
                report.errors.append(item)
                continue
            batch.append(item)
            if len(batch) == CHUNK:
                async with store.write():
                    await _load(store, network, batch, report, run)
                await store.keep_wal_small()
                batch = []
                if progress is not None:
                    progress(rows.position, total)
        async with store.write():
            await _load(store, network, batch, report, run)
            await _apply_staged(store, network, run, report)
            await runs.switch_on(run)
    except BaseException:
        rows.close()
        await runs.abandon(run)  # in this task: it holds the connection
        raise
    finally:
        if store.target.is_sqlite:
            await store.db.aexecute_sql("PRAGMA cache_size = -2000")
            await store.db.aexecute_sql("PRAGMA secure_delete = 1")
    if not store.target.is_sqlite:
        # Fresh statistics, so that a rare substring uses the trigram index and a common one
        # a short scan; without them the planner guesses, and searches take 100 ms.
        await store.db.aexecute_sql("ANALYZE company")
        await store.db.aexecute_sql("ANALYZE network_word")
    if progress is not None:
        progress(total, total)
    return report


_MEMBER_FIELDS = (*PUBLIC_FIELDS, "region", "plan", "visible")


async def _load(store: Store, network, batch: list[MemberRow], report: ImportReport,
                run: int | None = None) -> None:
    """Write one chunk: new members inserted (hidden until `run` is switched on), changed ones
    updated and re-indexed at once (no run) or kept for the switch."""
    if not batch:
        return
    now = store.clock()
    existing = {} if report.fresh else {row[0]: row[1:] for row in await store.list(
        Company.select(Company.member_key, Company.id, Company.name_fold,
                       *(getattr(Company, f) for f in _MEMBER_FIELDS))
        .where(Company.member_key.in_([r.member_key for r in batch])).tuples())}
    new, changed = [], []
    for row in batch:
        old = existing.get(row.member_key)
        if old is None:
            new.append(row)
        elif tuple(old[2:]) != tuple(row.values[f] for f in _MEMBER_FIELDS):
            changed.append((old[0], row))
        else:
            report.unchanged += 1
    if new:
        ids = dict(await store.insert_rows(Company, [dict(
            kind="member", member_key=r.member_key, name_fold=r.name_fold, updated_at=now,
            import_run=run, **r.values) for r in new], returning=("member_key", "id")))
        await network._index_rows([(ids[r.member_key], r.values["region"], r.name_fold)
                                   for r in new if r.values["visible"]])
        report.added += len(new)
    if changed and run is None:
        await _apply(store, network, changed, report)
    elif changed:
        await store.insert_rows(MemberChange, [dict(
            import_run=run, company=company_id, member_key=r.member_key, name_fold=r.name_fold,
            detail=json.dumps(r.values)) for company_id, r in changed])


async def _apply(store: Store, network, changed: list[tuple[int, MemberRow]],
                 report: ImportReport) -> None:
    """Members' new details: out of the index, updated, back in, their links brought along."""
    now = store.clock()
    changed_ids = [company_id for company_id, _row in changed]
    await network._unindex(changed_ids)
    for company_id, row in changed:
        await store.execute(Company.update(
            name_fold=row.name_fold, version=Company.version + 1,
            updated_at=now, **row.values).where(Company.id == company_id))
    await network._index(changed_ids)
    synced = await network._sync_links_counted(changed_ids)
    report.linked_updated += synced.updated
    report.linked_held += synced.held
    report.updated += len(changed)


async def _apply_staged(store: Store, network, run: int, report: ImportReport) -> None:
    """At the switch: the changes the run kept, applied (the one step that grows with them)."""
    staged = await store.list(
        MemberChange.select(MemberChange.company, MemberChange.member_key,
                            MemberChange.name_fold, MemberChange.detail)
        .where(MemberChange.import_run == run).tuples())
    for start in range(0, len(staged), CHUNK):
        await _apply(store, network, [
            (company_id, MemberRow(0, key, name_fold, json.loads(detail)))
            for company_id, key, name_fold, detail in staged[start:start + CHUNK]], report)
    await store.execute(MemberChange.delete().where(MemberChange.import_run == run))


async def load_members(store: Store, rows: list[MemberRow]) -> ImportReport:
    """Add or update members given as checked rows, in one transaction (tests, the demo)."""
    report = ImportReport()
    async with store.write():
        for start in range(0, len(rows), CHUNK):
            await _load(store, store.network, rows[start:start + CHUNK], report)
    return report


def member_row(member_key: str, name: str, *, region: str = "CA", visible: bool = True,
               **details: str) -> MemberRow:
    """A checked row from plain values, as a CSV line would give it."""
    checked = check_row(0, {"member_id": member_key, "name": name, "region": region,
                            "visible": "yes" if visible else "no", **details})
    if isinstance(checked, RowError):
        raise ValueError(checked.reason)
    return checked


def report_json(report: ImportReport) -> str:
    return json.dumps({"added": report.added, "updated": report.updated,
                       "unchanged": report.unchanged, "linked_updated": report.linked_updated,
                       "linked_held": report.linked_held,
                       "errors": [{"line": e.line, "reason": e.reason, "value": e.value}
                                  for e in report.errors]})


def _first_bad_line(path: Path, reason: str) -> tuple[int, str]:
    """The first line of `path` that is not UTF-8, and why: the text is decoded a buffer at a
    time, ahead of the CSV reader, whose line count ("near line 4962") was not the line."""
    with open(path, "rb") as raw:
        for number, line in enumerate(raw, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as exc:
                return number, exc.reason
    return 1, reason
