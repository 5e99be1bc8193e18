"""The firm's clients: adding them, and paging, searching, filtering and counting the list."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from peewee import JOIN, SQL, Case, NodeList, Tuple, fn

from store.batching import chunked
from store.import_runs import live
from store.models import Client, ClientEvent, ClientYearStatus
from store.text import fold, like_pattern

if TYPE_CHECKING:
    from store.store import Store
    from store.validate import CleanClient

NOT_INVITED = "not_invited"
SENDING = "sending"  # queued in the outbox, the relay has not accepted it yet
PENDING = "pending"
FAILED = "failed"  # the relay refused the message for good
EXPIRED = "expired"
ACCEPTED = "accepted"
STATUSES = (NOT_INVITED, SENDING, PENDING, FAILED, EXPIRED, ACCEPTED)
MAIN_STATUSES = (NOT_INVITED, PENDING, ACCEPTED)  # always shown; the others when they occur
# Not a year's status: what the list shows (and counts, and filters on) for an inactive
# client when inactive clients are shown, whatever its year's status.
INACTIVE = "inactive"
INVITABLE = (NOT_INVITED, FAILED, EXPIRED)
REINVITABLE = (PENDING, FAILED, EXPIRED)  # a new link replaces the old one
CANCELLABLE = (SENDING, PENDING)
IMPORT_CHUNK = 1000  # clients per transaction of an import: the lock is held a moment each


@dataclass(frozen=True)
class ClientRow:
    """One line of the client list."""

    id: int
    kind: str
    display_name: str
    email: str
    phone: str | None
    language: str
    active: bool
    status: str
    reminders_stopped: bool = False  # the client asked for no more reminders


@dataclass(frozen=True)
class ClientQuery:
    """What the list shows: tax year, search text, status filter, inactive or not, sort order."""

    firm_id: int
    tax_year: int
    search: str = ""
    status: str | None = None
    include_inactive: bool = False
    sort: str = "name"
    descending: bool = False

    def with_(self, **changes) -> ClientQuery:
        return replace(self, **changes)


def email_key(email: str) -> str:
    """store.validate's email_key, imported on first use: `linkdesk status` needs no validation."""
    from store.validate import email_key

    return email_key(email)


def search_key(clean: CleanClient) -> str:
    """The folded text a search matches: the name both ways round, and the email."""
    if clean.kind == "organization":
        names = clean.organization_name
    else:
        names = f"{clean.first_name} {clean.last_name} {clean.last_name} {clean.first_name}"
    return fold(f"{names} {clean.email}")


_STATUS_COLUMN = fn.COALESCE(ClientYearStatus.status, NOT_INVITED)
# Literal ranks (not parameters) so PostgreSQL can type the CASE without a hint.
_STATUS_RANK = Case(
    None,
    [(ClientYearStatus.status == status, SQL(str(rank))) for rank, status in enumerate(STATUSES)],
    SQL("0"),
)


_ROW_COLUMNS = (
    Client.id,
    Client.kind,
    Client.display_name,
    Client.email,
    Client.phone,
    Client.language,
    Client.active,
    _STATUS_COLUMN,
    Client.reminders_stopped_at,
)


def _row(values: tuple) -> ClientRow:
    client_id, kind, name, email, phone, language, active, status, stopped = values
    return ClientRow(client_id, kind, name, email, phone, language, bool(active), status,
                     stopped is not None)


def _order_keys(sort: str) -> list:
    keys: dict[str, list] = {
        "name": [Client.sort_key, Client.id],
        "kind": [Client.kind, Client.sort_key, Client.id],
        "email": [Client.email_key, Client.id],
        "phone": [fn.COALESCE(Client.phone, ""), Client.id],
        "status": [_STATUS_RANK, Client.sort_key, Client.id],
    }
    return keys[sort]


TRIGRAM_MIN = 3  # the trigram index cannot look up shorter terms
FEW_MATCHES = 2000  # up to this many matches, read them through the trigram index


def _trigram_phrase(term: str) -> str:
    """`term` as one FTS5 phrase: substring match, quotes doubled, no query syntax."""
    return '"' + term.replace('"', '""') + '"'


class Clients:
    """Queries and changes on the firm's clients.

    A search term is looked for as a substring of each client's folded name and email. Two
    ways answer it, chosen per term: walking the name index (fast when matches are common, as
    the first page fills up quickly) or, on SQLite, the trigram index (fast when they are few
    or bunched together, where the walk would cover the whole firm). A cheap probe of the
    trigram index decides.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._few: dict[str, bool] = {}  # folded term → few matches? (cleared on change)

    def forget_searches(self) -> None:
        """Clients changed: the trigram probe's answers may be stale."""
        self._few.clear()

    async def _use_trigrams(self, term: str) -> bool:
        if not self.store.target.is_sqlite or len(term) < TRIGRAM_MIN:
            return False
        few = self._few.get(term)
        if few is None:
            cursor = await self.store.db.aexecute_sql(
                "SELECT COUNT(*) FROM (SELECT rowid FROM client_search "
                "WHERE client_search MATCH ? LIMIT ?)",
                (_trigram_phrase(term), FEW_MATCHES + 1),
            )
            few = cursor.fetchone()[0] <= FEW_MATCHES
            if len(self._few) > 256:
                self._few.clear()
            self._few[term] = few
        return few

    def _filtered(
        self, q: ClientQuery, *columns, need_status: bool = True, trigrams: bool = False
    ):
        query = Client.select(*columns)
        if need_status:
            query = query.join(
                ClientYearStatus,
                JOIN.LEFT_OUTER,
                on=(ClientYearStatus.client == Client.id)
                & (ClientYearStatus.tax_year == q.tax_year),
            )
        conditions = [Client.firm == q.firm_id, live(Client)]
        if q.status == INACTIVE:
            conditions.append(Client.active == False)  # noqa: E712 - SQL, not Python
        elif q.status or not q.include_inactive:  # an inactive row shows no year's status
            conditions.append(Client.active == True)  # noqa: E712
        term = fold(q.search.strip())
        if term and trigrams:
            conditions.append(Client.id.in_(SQL(
                "(SELECT rowid FROM client_search WHERE client_search MATCH ?)",
                (_trigram_phrase(term),),
            )))
        elif term:
            conditions.append(_like(Client.search_key, term))
        if q.status == INACTIVE:
            pass
        elif q.status == NOT_INVITED:
            conditions.append(
                ClientYearStatus.status.is_null() | (ClientYearStatus.status == NOT_INVITED)
            )
        elif q.status:
            conditions.append(ClientYearStatus.status == q.status)
        return query.where(*conditions)

    async def count(self, q: ClientQuery) -> int:
        """How many clients the query shows."""
        trigrams = await self._use_trigrams(fold(q.search.strip()))
        query = self._filtered(
            q, fn.COUNT(Client.id), need_status=bool(q.status), trigrams=trigrams
        )
        return await self.store.scalar(query)

    async def page(self, q: ClientQuery, offset: int, limit: int) -> list[ClientRow]:
        """The rows at positions offset..offset+limit of the list, in the query's order."""
        keys = _order_keys(q.sort)
        order = [k.desc() for k in keys] if q.descending else [k.asc() for k in keys]
        trigrams = await self._use_trigrams(fold(q.search.strip()))
        query = self._filtered(q, *_ROW_COLUMNS, trigrams=trigrams).order_by(*order)
        if not trigrams and q.search.strip():
            # Find the page's ids on the covering name index first, then read only those
            # rows: the index carries search_key, so non-matching clients are never read.
            ids = (
                self._filtered(q, Client.id, need_status=bool(q.status) or q.sort == "status")
                .order_by(*order)
                .offset(offset)
                .limit(limit)
            )
            query = query.where(Client.id.in_(ids))
        else:
            query = query.offset(offset).limit(limit)
        return [_row(r) for r in await self.store.list(query.tuples())]

    async def position(self, client_id: int, q: ClientQuery) -> int | None:
        """Where `client_id` stands in the list the query shows, or None if it is not in it."""
        keys = _order_keys(q.sort)
        found = await self.store.list(
            self._filtered(q, *keys).where(Client.id == client_id).tuples()
        )
        if not found:
            return None
        mine = Tuple(*found[0])
        ahead = Tuple(*keys) > mine if q.descending else Tuple(*keys) < mine
        return await self.store.scalar(self._filtered(q, fn.COUNT(Client.id)).where(ahead))

    async def status_counts(self, firm_id: int | None, tax_year: int,
                            include_inactive: bool = False) -> dict[str, int]:
        """Active clients per status for a tax year; clients with no status are Not invited.

        `include_inactive`: also how many are inactive (under INACTIVE), as the list that
        shows them counts them: their rows say "Inactive", not their year's status."""
        counts = dict.fromkeys(STATUSES, 0)
        if firm_id is None:
            return counts
        mine = (Client.firm == firm_id) & live(Client)
        total = await self.store.scalar(Client.select(fn.COUNT(Client.id)).where(
            mine & (Client.active == True)))  # noqa: E712
        # The statuses of the year's active clients of the firm, as the year's statuses (read
        # from their index alone) less those of the other clients (inactive ones, other firms'):
        # a join to every client with a status read one client row per status, ~35 ms on
        # 100,000 clients; this reads two indexes and a few rows, ~5 ms.
        by_status = ClientYearStatus.select(  # COUNT(status): a column of the index
            ClientYearStatus.status, fn.COUNT(ClientYearStatus.status)
        ).group_by(ClientYearStatus.status).tuples()
        outside = (  # three index searches; `firm_id <> ?` would scan the whole index
            Client.select(Client.id).where(Client.firm < firm_id)
            + Client.select(Client.id).where(Client.firm > firm_id)
        )
        outside += Client.select(Client.id).where(
            (Client.firm == firm_id) & (Client.active == False))  # noqa: E712
        year = ClientYearStatus.tax_year == tax_year
        for status, n in await self.store.list(by_status.where(year)):
            counts[status] = counts.get(status, 0) + n
        for status, n in await self.store.list(
                by_status.where(year & ClientYearStatus.client.in_(outside))):
            counts[status] -= n
        counts[NOT_INVITED] = total - sum(n for s, n in counts.items() if s != NOT_INVITED)
        if include_inactive:
            counts[INACTIVE] = await self.store.scalar(Client.select(fn.COUNT(Client.id)).where(
                mine & (Client.active == False)))  # noqa: E712
        return counts

    async def with_email(self, firm_id: int, email: str) -> list[ClientRow]:
        """Clients of the firm already using this address (any case), active or not."""
        q = ClientQuery(firm_id=firm_id, tax_year=0, include_inactive=True)
        query = (
            self._filtered(q, *_ROW_COLUMNS)
            .where(Client.email_key == email_key(email))
            .order_by(Client.id)
            .tuples()
        )
        return [_row(r) for r in await self.store.list(query)]

    async def add(self, firm_id: int, clean: CleanClient, preparer_id: int | None) -> int:
        """Store a checked client as Not invited, with a "client added" event; return its id."""
        now = self.store.clock()
        async with self.store.write():
            client_id = await self.store.execute(
                Client.insert(
                    firm=firm_id,
                    kind=clean.kind,
                    first_name=clean.first_name or None,
                    last_name=clean.last_name or None,
                    organization_name=clean.organization_name or None,
                    display_name=clean.display_name,
                    sort_key=fold(clean.display_name),
                    search_key=search_key(clean),
                    email=clean.email,
                    email_key=email_key(clean.email),
                    phone=clean.phone,
                    language=clean.language,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            await self.log(client_id, preparer_id, "client_added", {"kind": clean.kind})
        self.forget_searches()
        return client_id

    async def update_details(self, client_id: int, clean: CleanClient,
                             preparer_id: int | None, version: int | None = None) -> list[str]:
        """Save a client's name, phone and language, checked as the add form checks them.

        Its kind and email stay as they are (the email has its own flow, which ends the links
        sent to the old address). Each field changed is an event of its own in the history
        ("details_changed": the field, from, to); returns the fields changed, in that order.
        With `version` (the client's, as read), a change saved since raises ChangedMeanwhile
        with the client as it is now; nothing is saved.
        """
        from store.versions import ChangedMeanwhile

        now = self.store.clock()
        async with self.store.write():
            rows = await self.store.list(
                Client.select(Client.kind, Client.display_name, Client.first_name,
                              Client.last_name, Client.organization_name, Client.email,
                              Client.phone, Client.language, Client.version)
                .where(Client.id == client_id).dicts())
            if not rows:
                raise LookupError(client_id)
            row = rows[0]
            if version is not None and version != row["version"]:
                by = await self.last_changed_by(client_id)
                raise ChangedMeanwhile(row, row["version"], await self.store.accounts.name(by))
            if clean.kind != row["kind"]:
                raise ValueError("a client's kind is not changed by editing its details")
            clean = replace(clean, email=row["email"])
            same_name = ((clean.first_name, clean.last_name, clean.organization_name) == (
                row["first_name"] or "", row["last_name"] or "", row["organization_name"] or ""))
            changes = [change for change in (
                ("name", row["display_name"], clean.display_name, not same_name),
                ("phone", row["phone"] or "", clean.phone or "",
                 (clean.phone or "") != (row["phone"] or "")),
                ("language", row["language"], clean.language,
                 clean.language != row["language"]),
            ) if change[3]]
            if not changes:
                return []
            await self.store.execute(Client.update(
                first_name=clean.first_name or None, last_name=clean.last_name or None,
                organization_name=clean.organization_name or None,
                display_name=clean.display_name, sort_key=fold(clean.display_name),
                search_key=search_key(clean), phone=clean.phone, language=clean.language,
                version=Client.version + 1, updated_at=now).where(Client.id == client_id))
            await self.log_many([(client_id, preparer_id, "details_changed",
                                  {"field": field, "from": old, "to": new})
                                 for field, old, new, _changed in changes])
        self.forget_searches()
        return [field for field, *_rest in changes]

    async def log(self, client_id: int, preparer_id: int | None, kind: str, detail: dict) -> None:
        """Append one event to the client's history."""
        await self.store.execute(
            ClientEvent.insert(
                client=client_id,
                preparer=preparer_id,
                kind=kind,
                detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
                at=self.store.clock(),
            )
        )

    async def add_many(self, firm_id: int, cleans: list[CleanClient], preparer_id: int | None,
                       *, source: str = "") -> list[int]:
        """Store many checked clients as Not invited in one transaction, each with its
        "client added" event; return their ids."""
        async with self.store.write():
            ids = await self._insert_many(firm_id, cleans, preparer_id, source)
        self.forget_searches()
        return ids

    async def _insert_many(self, firm_id: int, cleans: list[CleanClient],
                           preparer_id: int | None, source: str, *,
                           import_run: int | None = None) -> list[int]:
        """Inside the caller's transaction: the clients' rows and their "added" events."""
        now = self.store.clock()
        rows = await self.store.insert_rows(Client, [dict(
            firm=firm_id, kind=c.kind, first_name=c.first_name or None,
            last_name=c.last_name or None, organization_name=c.organization_name or None,
            display_name=c.display_name, sort_key=fold(c.display_name),
            search_key=search_key(c), email=c.email, email_key=email_key(c.email),
            phone=c.phone, language=c.language, active=True, created_at=now,
            updated_at=now, import_run=import_run) for c in cleans], returning=("id",))
        ids = [client_id for (client_id,) in rows]
        detail = {"source": source} if source else {}
        await self.log_many([(client_id, preparer_id, "client_added",
                              {"kind": c.kind, **detail})
                             for client_id, c in zip(ids, cleans, strict=True)])
        return ids

    async def import_many(self, firm_id: int, cleans: list[CleanClient],
                          preparer_id: int | None, *, source: str = "",
                          progress: Callable[[int, int], None] | None = None) -> list[int]:
        """Like add_many for a whole file, without holding the write lock for its length.

        The clients are written a chunk per short transaction, tagged with an import run that
        hides them from every list and count, and switched on together at the end in one
        transaction of one row (store.import_runs). Cut short, nothing shows. (What a failed
        run wrote stays hidden: a client's history is append-only, so it is never deleted.)
        """
        runs = self.store.import_runs
        run = await runs.begin("clients")
        ids: list[int] = []
        sqlite = self.store.target.is_sqlite
        try:
            if sqlite:  # nothing secret is deleted here: skip zeroing freed pages (FTS merges)
                await self.store.db.aexecute_sql("PRAGMA secure_delete = 0")
            for start in range(0, len(cleans), IMPORT_CHUNK):
                async with self.store.write():
                    ids += await self._insert_many(firm_id, cleans[start:start + IMPORT_CHUNK],
                                                   preparer_id, source, import_run=run)
                await self.store.keep_wal_small()
                if progress is not None:
                    progress(len(ids), len(cleans))
            async with self.store.write():
                await runs.switch_on(run)
        except BaseException:
            await runs.abandon(run)  # in this task: it holds the connection
            raise
        finally:
            if sqlite:
                await self.store.db.aexecute_sql("PRAGMA secure_delete = 1")
        self.forget_searches()
        return ids

    async def log_many(self, entries: Sequence[tuple[int, int | None, str, dict]]) -> None:
        """Append many events at once: (client id, preparer id, kind, detail) each."""
        await self.store.execute_all(self.log_statements(entries))

    def log_statements(self, entries: Sequence[tuple[int, int | None, str, dict]]
                       ) -> list[tuple[str, list]]:
        """The statements of `log_many`, for `Store.execute_all`."""
        at = self.store.clock()
        rows = [dict(client=client_id, preparer=preparer_id, kind=kind, at=at,
                     detail=json.dumps(detail, ensure_ascii=False, sort_keys=True))
                for client_id, preparer_id, kind, detail in entries]
        return self.store.insert_statements(ClientEvent, rows)

    async def last_event_id(self) -> int:
        return await self.store.scalar(ClientEvent.select(fn.MAX(ClientEvent.id))) or 0

    async def events_after(self, event_id: int, kinds: tuple[str, ...]) -> list[tuple]:
        """Events newer than `event_id` of the given kinds: (id, kind, client name, client id)."""
        return await self.store.list(
            ClientEvent.select(ClientEvent.id, ClientEvent.kind, Client.display_name, Client.id)
            .join(Client, on=(ClientEvent.client == Client.id))
            .where((ClientEvent.id > event_id) & ClientEvent.kind.in_(kinds))
            .order_by(ClientEvent.id)
            .limit(50)
            .tuples()
        )

    async def ids(self, q: ClientQuery) -> list[int]:
        """Every client the query shows, in its order (to select them all)."""
        trigrams = await self._use_trigrams(fold(q.search.strip()))
        keys = _order_keys(q.sort)
        order = [k.desc() for k in keys] if q.descending else [k.asc() for k in keys]
        rows = await self.store.list(
            self._filtered(q, Client.id, trigrams=trigrams).order_by(*order).tuples())
        return [client_id for (client_id,) in rows]

    async def many_details(self, client_ids: list[int]) -> list[dict]:
        """What an invitation needs of each client, in the given order: names, address,
        language, and `greeting_name` (the name the message opens with)."""
        found: dict[int, dict] = {}
        for chunk in chunked(client_ids):
            rows = await self.store.list(
                Client.select(Client.id, Client.kind, Client.first_name, Client.last_name,
                              Client.organization_name, Client.display_name, Client.email,
                              Client.phone, Client.language, Client.active, Client.version)
                .where(Client.id.in_(chunk)).dicts())
            for row in rows:
                row["greeting_name"] = (
                    row["organization_name"] if row["kind"] == "organization"
                    else f"{row['first_name']} {row['last_name']}")
                found[row["id"]] = row
        return [found[i] for i in client_ids if i in found]

    async def statuses_of(self, client_ids: list[int], tax_year: int) -> dict[int, str]:
        """Each client's status for the year (Not invited when it has none)."""
        statuses = dict.fromkeys(client_ids, NOT_INVITED)
        for chunk in chunked(client_ids):
            rows = await self.store.list(
                ClientYearStatus.select(ClientYearStatus.client, ClientYearStatus.status)
                .where(ClientYearStatus.client.in_(chunk)
                       & (ClientYearStatus.tax_year == tax_year)).tuples())
            statuses.update(rows)
        return statuses

    async def pending_since(self, firm_id: int, tax_year: int, before) -> list[int]:
        """Active clients whose invitation for the year is pending since before `before`."""
        from store.models import Invitation

        rows = await self.store.list(
            Invitation.select(Invitation.client).join(Client, on=(Invitation.client == Client.id))
            .where((Client.firm == firm_id) & (Client.active == True)  # noqa: E712
                   & live(Client) & (Invitation.tax_year == tax_year)
                   & (Invitation.state == PENDING)
                   & (Invitation.sent_at < before))
            .order_by(Invitation.sent_at).tuples())
        return [client_id for (client_id,) in rows]

    async def details(self, client_id: int) -> dict:
        """What the invite dialog needs of one client."""
        (row,) = await self.many_details([client_id])
        return row

    async def last_changed_by(self, client_id: int) -> int | None:
        """The preparer of the client's latest event (who changed it last), if any."""
        return await self.store.scalar(
            ClientEvent.select(ClientEvent.preparer).where(ClientEvent.client == client_id)
            .order_by(ClientEvent.id.desc()).limit(1))

    async def events(self, client_id: int) -> list[tuple[str, dict, object, int | None]]:
        """The client's history, oldest first: (kind, detail, when, preparer id)."""
        rows = await self.store.list(
            ClientEvent.select(
                ClientEvent.kind, ClientEvent.detail, ClientEvent.at, ClientEvent.preparer
            )
            .where(ClientEvent.client == client_id)
            .order_by(ClientEvent.id)
            .tuples()
        )
        return [(kind, json.loads(detail), at, who) for kind, detail, at, who in rows]


def _like(column, term: str):
    """column LIKE '%term%' with the term's own wildcards escaped."""
    return NodeList((column, SQL("LIKE"), like_pattern(term), SQL("ESCAPE '\\'")))
