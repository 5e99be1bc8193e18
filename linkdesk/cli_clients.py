"""`linkdesk import clients FILE` (preview, then one transaction) and `linkdesk export clients`."""

from __future__ import annotations

import asyncio
import json
import sys

from linkdesk.i18n import _, ngettext
from linkdesk.import_preview import FIELD_NAMES, describe_plan


def parse_map(items: list[str], header: list[str], usage_error) -> dict[int, str]:
    """--map "Column title=field" options as a column index → field mapping."""
    mapping: dict[int, str] = {}
    for item in items:
        title, sep, name = item.rpartition("=")
        if not sep or name not in FIELD_NAMES:
            raise usage_error(_("--map: expected \"Column title=field\" with field one of "
                                "{fields}, got {item!r}").format(
                fields=", ".join(FIELD_NAMES), item=item))
        if title not in header:
            raise usage_error(_("--map: no column {title!r} in the file").format(title=title))
        mapping[header.index(title)] = name
    return mapping


async def import_clients(target, args, open_store, usage_error) -> int:
    from store.client_csv import ClientFileError, import_plan, read_plan, recognise

    store = await open_store(target, must_exist=True)
    try:
        firm_id = await store.firm_id()
        if firm_id is None:
            raise usage_error(_("no firm yet: create the first account before importing"))
        try:
            plan = await read_plan(store, firm_id, args.file, store.region)
            if args.map:
                mapping = recognise(plan.header)
                mapping.update(parse_map(args.map, plan.header, usage_error))
                plan = await read_plan(store, firm_id, args.file, store.region, mapping)
        except ClientFileError as exc:
            raise usage_error(str(exc)) from None
        preview = describe_plan(plan)
        if plan.missing:
            print("\n".join(preview), file=sys.stderr)
            raise usage_error(_("no column for {what}: name it with --map \"Title=field\"")
                              .format(what=", ".join(plan.missing)))
        if not args.json:
            print("\n".join(preview))
        if not plan.ready:
            added = 0
        elif args.yes or (sys.stdin.isatty() and (await asyncio.to_thread(
                input, ngettext("Import {n} client? [y/N] ", "Import {n} clients? [y/N] ",
                                len(plan.ready)).format(n=len(plan.ready))))
                .strip().lower() in ("y", "yes", "o", "oui")):
            added = await import_plan(store, firm_id, plan, None)
        else:
            print(_("Nothing imported (add --yes to import without being asked)."),
                  file=sys.stderr)
            return 1
    finally:
        await store.close()
    if args.json:
        print(json.dumps({"added": added, "errors": [
            {"line": b.line, "reason": b.reason} for b in plan.bad],
            "duplicates_in_file": plan.duplicates_in_file,
            "duplicates_existing": plan.duplicates_existing}))
    else:
        print(ngettext("Imported {n} client.", "Imported {n} clients.", added).format(n=added))
    return 1 if plan.bad else 0


async def export_clients(target, args, open_store, usage_error) -> int:
    from linkdesk.settings import default_tax_year
    from store import ClientQuery
    from store.client_csv import ClientFileError
    from store.client_csv import export_clients as write

    store = await open_store(target, must_exist=True)
    try:
        q = ClientQuery(firm_id=await store.firm_id(), tax_year=args.tax_year or default_tax_year(),
                        search=args.search or "", status=args.status,
                        include_inactive=args.include_inactive)
        try:
            count = await write(store, q, args.file)
        except ClientFileError as exc:
            raise usage_error(str(exc)) from None
    finally:
        await store.close()
    print(ngettext("Exported {n} client to {file}.", "Exported {n} clients to {file}.",
                   count).format(n=count, file=args.file), file=sys.stderr)
    return 0
