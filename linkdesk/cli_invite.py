"""`linkdesk invite`: scripts queue invitations through the bulk dialog's path; the service
(or the next open terminal) delivers them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from linkdesk.i18n import N_, _, ngettext

REASONS = {
    "no_client": N_("no client has this address"),
    "inactive": N_("inactive"),
    "not_invitable": N_("already invited for this tax year"),
    "unknown_client": N_("no longer exists"),
}


@dataclass(frozen=True)
class ScriptPreparer:
    """Who a script's invitations come from: the firm itself (no preparer account, so no
    preparer's name above the firm's in the signature)."""

    id: None
    username: str  # empty: nobody but the firm signs
    firm_name: str
    firm_id: int


async def invite(target, args, settings, open_store, usage_error) -> int:
    """Queue invitations for the clients with these addresses, or every client not invited.
    Exits 1 when an address given is no client's (a script's typo must not read as done);
    clients skipped for what they are (already invited, inactive) are counted, and exit 0."""
    from linkdesk.bulk import BulkInvitation
    from linkdesk.settings import default_tax_year
    from store.clients import NOT_INVITED, ClientQuery
    from store.validate import email_key

    if bool(args.emails) == bool(args.all_not_invited):
        raise usage_error(_("give one or more email addresses, or --all-not-invited"))
    year = args.tax_year or default_tax_year()
    store = await open_store(target, must_exist=True)
    try:
        firm_id = await store.firm_id()
        if firm_id is None:
            raise usage_error(_("no firm in this database yet (create the first account)"))
        firm_name = await store.firm_name(firm_id)
        unknown: list[str] = []
        if args.all_not_invited:
            ids = await store.clients.ids(ClientQuery(firm_id, year, status=NOT_INVITED))
        else:
            ids = []
            for address in dict.fromkeys(email_key(a.strip()) for a in args.emails):
                found = await store.clients.with_email(firm_id, address)
                if not found:
                    unknown.append(address)
                ids += [row.id for row in found]
        preparer = ScriptPreparer(None, "", firm_name, firm_id)
        bulk = BulkInvitation(store, preparer, settings, ids, year,
                              on_progress=lambda _p: None, follow=False)
        progress = await bulk.run()
        service = await store.pipeline.service()
        sender = await store.pipeline.deliverer()
    finally:
        await store.close()
    reasons = dict(progress.reasons)
    if unknown:
        reasons["no_client"] = len(unknown)
    skipped = progress.skipped + len(unknown)
    if args.json:
        print(json.dumps({"tax_year": year, "queued": progress.queued, "skipped": skipped,
                          "reasons": reasons, "unknown_addresses": unknown,
                          "service_alive": service is not None,
                          "sent_by": sender.role if sender else None}))
        return 1 if unknown else 0
    print(ngettext("Tax year {year}: {queued} invitation queued, {skipped} skipped.",
                   "Tax year {year}: {queued} invitations queued, {skipped} skipped.",
                   progress.queued).format(year=year, queued=progress.queued, skipped=skipped))
    for code, count in sorted(reasons.items()):
        print(f"  {count:>6}  {_(REASONS.get(code, code))}")
    for address in unknown[:20]:
        print(f"          {address!r}")
    if progress.queued and sender is None:
        print(_("No linkdesk service or app is running for this database: the messages go out "
                "when `linkdesk serve` or the app runs."))
    elif progress.queued and service is None:
        print(_("The linkdesk app open on {host} sends them; they wait whenever no app or "
                "service runs.").format(host=sender.host))
    return 1 if unknown else 0
