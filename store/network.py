"""The business network: companies' public details, visibility, directory search, linked records.

Rules enforced here, never by a screen: a search runs from a member company's books and sees
only visible members of the same region, never the searcher itself, never a firm's own books,
and only the public fields; results are capped and searches are rate-limited per preparer. A
customer or vendor linked to a member follows the member's changes while it is visible; one
whose details the preparer edited by hand keeps them and holds the change for review.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

from store.batching import chunked
from store.import_runs import live
from store.models import Client, Company, Contact, NetworkWord
from store.text import clean_text, fold
from store.validate import Details
from store.versions import ChangedMeanwhile

if TYPE_CHECKING:
    from store.store import Store

RESULT_CAP = 50  # members per search: enough to choose from, no way to page the directory
SEARCH_RATE = (120, 60.0)  # searches per preparer per window of seconds
PLANS = ("simple_start", "essentials", "plus", "advanced")
PUBLIC_FIELDS = ("name", "email", "phone", "website", "address", "city")
_WORD = re.compile(r"[0-9a-z]+")


class NetworkError(ValueError):
    """A network action refused; `code` says why ("firm_books", "rate_limited", ...)."""

    def __init__(self, code: str, retry_after: float = 0.0) -> None:
        super().__init__(code)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class MemberCard:
    """What a search shows of a member: its public details, nothing else."""

    id: int
    name: str
    email: str
    phone: str
    website: str
    address: str
    city: str

    @property
    def details(self) -> Details:
        return Details(self.name, self.email, self.phone, self.website, self.address, self.city)


@dataclass(frozen=True)
class CompanyInfo:
    """A company's books as its profile screen shows them."""

    id: int
    kind: str  # "firm" or "member"
    details: Details
    region: str
    plan: str
    visible: bool
    client_id: int | None
    version: int = 0  # as read: a save over a newer one is refused (store.versions)
    business_number: str = ""  # its GST/HST registration, compact; printed on its invoices
    peppol_id: str = ""  # its Peppol participant identifier, "scheme:value"; on its e-invoices

    @property
    def is_firm_books(self) -> bool:
        return self.kind == "firm"


@dataclass(frozen=True)
class LinkSync:
    """What a member's change did to the records linked to it: `updated` took the new details;
    `held` were edited by hand and hold the change for review (ContactRow.pending)."""

    updated: int = 0
    held: int = 0


@dataclass(frozen=True)
class ContactRow:
    """A customer or vendor in a company's books."""

    id: int
    role: str
    details: Details
    member_id: int | None
    edited: bool
    pending: Details | None  # a member's change waiting for the preparer's decision
    business_number: str = ""  # compact; how an e-invoice's seller is matched to its vendor
    peppol_id: str = ""  # "scheme:value": where a Peppol e-invoice to this customer goes
    language: str = ""  # what the customer reads (en, fr); empty: the company's

    @property
    def linked(self) -> bool:
        return self.member_id is not None


def _peppol_id(raw: str) -> str:
    from store.validate import FieldError, parse_peppol_id

    try:
        return parse_peppol_id(raw)
    except FieldError as exc:
        raise NetworkError(exc.code) from None


LANGUAGES = ("en", "fr")


def _language(language: str) -> str:
    """A customer's language: en or fr, or empty for its company's."""
    if language and language not in LANGUAGES:
        raise NetworkError("language_invalid")
    return language


def _business_number(raw: str) -> str:
    from store.validate import FieldError, parse_optional_business_number

    try:
        return parse_optional_business_number(raw)
    except FieldError:
        raise NetworkError("business_number_invalid") from None


def words_of(name_fold: str) -> list[str]:
    """The distinct words of a folded name, as the prefix index keeps them."""
    return list(dict.fromkeys(_WORD.findall(name_fold)))


class _RateLimiter:
    """At most `limit` searches per `window` seconds for each preparer."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float]) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._seen: dict[object, deque[float]] = {}

    def check(self, who: object) -> None:
        now = self.clock()
        seen = self._seen.setdefault(who, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            raise NetworkError("rate_limited", retry_after=seen[0] + self.window - now)
        seen.append(now)


class Network:
    """Companies, the member directory and customers/vendors, on the store's database."""

    def __init__(self, store: Store, rate: tuple[int, float] = SEARCH_RATE,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.region = store.region  # the region of books opened here (LINKDESK_REGION)
        self.limiter = _RateLimiter(*rate, monotonic)

    # -- companies ------------------------------------------------------------------------------

    async def firm_books(self, firm_id: int) -> int:
        """The firm's own books (made on first use): never a member, never found."""
        found = await self.store.scalar(Company.select(Company.id).where(
            (Company.kind == "firm") & (Company.firm == firm_id)))
        if found is not None:
            return found
        from store.models import Firm

        name = await self.store.scalar(Firm.select(Firm.name).where(Firm.id == firm_id)) or ""
        async with self.store.write():
            found = await self.store.scalar(Company.select(Company.id).where(
                (Company.kind == "firm") & (Company.firm == firm_id)))
            if found is None:
                found = await self.store.execute(Company.insert(
                    kind="firm", firm=firm_id, name=name, name_fold=fold(name),
                    region=self.region, visible=False, updated_at=self.store.clock()))
        return found

    async def firm_email(self, firm_id: int) -> str:
        """The firm's public email (its own books' profile), where clients' replies go; empty
        when it has none. Reads only: the books are not made here."""
        return await self.store.scalar(Company.select(Company.email).where(
            (Company.kind == "firm") & (Company.firm == firm_id)).limit(1)) or ""

    async def books_of_client(self, client_id: int) -> int | None:
        """The books of an Organization client, once it has accepted its invitation."""
        return await self.store.scalar(
            Company.select(Company.id).where(Company.client == client_id))

    async def ensure_books(self, client_id: int) -> int | None:
        """The client's books; an Organization that accepted before the network existed (an
        older database) gets them now. None: an individual, or not accepted yet."""
        books = await self.books_of_client(client_id)
        if books is not None:
            return books
        from store.clients import ACCEPTED
        from store.models import ClientYearStatus

        accepted = await self.store.scalar(ClientYearStatus.select(ClientYearStatus.client).where(
            (ClientYearStatus.client == client_id) & (ClientYearStatus.status == ACCEPTED))
            .limit(1))
        if accepted is None:
            return None
        async with self.store.write():
            return await self.open_books_for(client_id)

    async def open_books_for(self, client_id: int) -> int | None:
        """Within a write transaction: give an Organization client its books (a member).

        Called when the client accepts its invitation; its public details start from the
        client record. An individual has no books here; a client that has them keeps them.
        """
        existing = await self.books_of_client(client_id)
        if existing is not None:
            return existing
        rows = await self.store.list(Client.select(
            Client.kind, Client.organization_name, Client.email, Client.phone, Client.language)
            .where(Client.id == client_id).tuples())
        if not rows or rows[0][0] != "organization":
            return None
        _kind, name, email, phone, language = rows[0]
        company_id = await self.store.execute(Company.insert(
            kind="member", client=client_id, name=name, name_fold=fold(name), email=email or "",
            phone=phone or "", region=self.region, language=language or "en",
            updated_at=self.store.clock()))
        await self._index([company_id])
        return company_id

    async def company(self, company_id: int) -> CompanyInfo:
        rows = await self.store.list(Company.select(
            Company.id, Company.kind, Company.name, Company.email, Company.phone,
            Company.website, Company.address, Company.city, Company.region, Company.plan,
            Company.visible, Company.client, Company.version, Company.business_number,
            Company.peppol_id).where(Company.id == company_id).tuples())
        if not rows:
            raise NetworkError("unknown_company")
        (cid, kind, name, email, phone, website, address, city, region, plan, visible,
         client_id, version, business_number, peppol_id) = rows[0]
        return CompanyInfo(cid, kind, Details(name, email, phone, website, address, city),
                           region, plan, bool(visible) and kind == "member", client_id, version,
                           business_number or "", peppol_id or "")

    async def _admin_only(self, by: int | None, company_id: int, kind: str, detail: dict
                          ) -> None:
        """Inside the caller's transaction: only an admin changes what the network sees
        (seed 004); the change is an event naming who made it. `by` None: the system (an
        import, the demo), never a preparer at a screen."""
        import json as _json

        from store.models import CompanyEvent

        if by is not None and not await self.store.accounts.is_admin(by):
            raise NetworkError("admin_only")
        await self.store.execute(CompanyEvent.insert(
            company=company_id, preparer=by, kind=kind, detail=_json.dumps(detail),
            at=self.store.clock()))

    async def update_profile(self, company_id: int, details: Details,
                             version: int | None = None, *, by: int | None = None) -> LinkSync:
        """Change a company's public details; linked records follow if it is visible (the
        returned LinkSync says how many were updated and how many hold the change).

        With `version` (as read), a change saved since raises ChangedMeanwhile with the
        details as they are now; nothing is saved."""
        now = self.store.clock()
        async with self.store.write():
            info = await self.company(company_id)
            if version is not None and version != info.version:
                raise ChangedMeanwhile(info.details, info.version)
            if info.details == details:
                return LinkSync()
            await self._admin_only(by, company_id, "profile_changed", {
                f: getattr(details, f) for f in PUBLIC_FIELDS
                if getattr(details, f) != getattr(info.details, f)})
            await self._unindex([company_id])
            await self.store.execute(Company.update(
                name=details.name, name_fold=fold(details.name), email=details.email,
                phone=details.phone, website=details.website, address=details.address,
                city=details.city, version=Company.version + 1, updated_at=now,
            ).where(Company.id == company_id))
            await self._index([company_id])
            return await self._sync_links_counted([company_id])

    async def set_business_number(self, company_id: int, business_number: str, *,
                                  by: int | None = None) -> None:
        """A company's own GST/HST registration ("" to clear), as its invoices will show it;
        like its public details, only an admin changes it."""
        value = _business_number(business_number)
        async with self.store.write():
            current = await self.store.scalar(Company.select(Company.business_number)
                                              .where(Company.id == company_id))
            if current is None:
                raise NetworkError("unknown_company")
            if current == value:
                return
            await self._admin_only(by, company_id, "business_number_changed",
                                   {"business_number": value})
            await self.store.execute(Company.update(
                business_number=value, version=Company.version + 1,
                updated_at=self.store.clock()).where(Company.id == company_id))

    async def set_peppol_id(self, company_id: int, peppol_id: str, *,
                            by: int | None = None) -> None:
        """A company's own Peppol participant identifier ("" to clear), the electronic
        address its e-invoices name; like its public details, only an admin changes it."""
        value = _peppol_id(peppol_id)
        async with self.store.write():
            current = await self.store.scalar(Company.select(Company.peppol_id)
                                              .where(Company.id == company_id))
            if current is None:
                raise NetworkError("unknown_company")
            if current == value:
                return
            await self._admin_only(by, company_id, "peppol_id_changed", {"peppol_id": value})
            await self.store.execute(Company.update(
                peppol_id=value, version=Company.version + 1,
                updated_at=self.store.clock()).where(Company.id == company_id))

    async def set_plan(self, company_id: int, plan: str, *, by: int | None = None) -> None:
        if plan not in PLANS:
            raise NetworkError("plan_invalid")
        async with self.store.write():
            await self._admin_only(by, company_id, "plan_changed", {"plan": plan})
            await self.store.execute(Company.update(plan=plan, version=Company.version + 1)
                                     .where(Company.id == company_id))

    async def set_visible(self, company_id: int, visible: bool, *, by: int | None = None
                          ) -> LinkSync:
        """Switch a member's visibility. Off: nobody finds it and linked records stop updating
        (they keep what they have). On: it can be found again and linked records catch up (the
        returned LinkSync counts them)."""
        async with self.store.write():
            info = await self.company(company_id)
            if info.is_firm_books:
                raise NetworkError("firm_books")
            await self._admin_only(by, company_id, "visibility_changed", {"visible": visible})
            await self._unindex([company_id])
            await self.store.execute(Company.update(visible=visible, updated_at=self.store.clock())
                                     .where(Company.id == company_id))
            await self._index([company_id])
            if visible:
                return await self._sync_links_counted([company_id])
            return LinkSync()

    # -- the directory index --------------------------------------------------------------------

    async def _index(self, company_ids: Iterable[int]) -> None:
        """Put these companies in the search structures if they are visible members."""
        rows = []
        for chunk in chunked(list(company_ids)):
            rows += await self.store.list(Company.select(
                Company.id, Company.region, Company.name_fold).where(
                Company.id.in_(chunk) & (Company.kind == "member") & Company.visible).tuples())
        await self._index_rows(rows)

    async def _index_rows(self, rows: list[tuple[int, str, str]]) -> None:
        """Index (id, region, name_fold) rows known to be visible members."""
        await self.store.insert_rows(NetworkWord, [
            dict(region=region, word=word, company=company_id)
            for company_id, region, name_fold in rows for word in words_of(name_fold)])
        if self.store.target.is_sqlite and rows:
            for chunk in chunked(rows):
                await self.store.db.aexecute_sql(
                    "INSERT INTO network_search (rowid, name_fold) VALUES "  # noqa: S608
                    + ", ".join(["(?, ?)"] * len(chunk)),
                    [value for company_id, _r, name_fold in chunk
                     for value in (company_id, name_fold)])

    async def _unindex(self, company_ids: Iterable[int]) -> None:
        """Take these companies out of the search structures (they were indexed if visible)."""
        ids = list(company_ids)
        rows = []
        for chunk in chunked(ids):
            rows += await self.store.list(Company.select(
                Company.id, Company.region, Company.name_fold).where(
                Company.id.in_(chunk) & (Company.kind == "member") & Company.visible).tuples())
            await self.store.execute(NetworkWord.delete().where(NetworkWord.company.in_(chunk)))
        if self.store.target.is_sqlite and rows:
            for chunk in chunked(rows):
                # External-content FTS5 forgets a row when told the text it indexed.
                await self.store.db.aexecute_sql(
                    "INSERT INTO network_search (network_search, rowid, name_fold) "
                    "VALUES "
                    + ", ".join(["('delete', ?, ?)"] * len(chunk)),
                    [value for company_id, _r, name_fold in chunk
                     for value in (company_id, name_fold)])

    # -- search ---------------------------------------------------------------------------------

    async def searcher(self, company_id: int) -> tuple[int, str]:
        """Check that `company_id` may search (a member's books): (id, region)."""
        rows = await self.store.list(Company.select(Company.kind, Company.region)
                                     .where(Company.id == company_id).tuples())
        if not rows:
            raise NetworkError("unknown_company")
        kind, region = rows[0]
        if kind != "member":
            raise NetworkError("firm_books")
        return company_id, region

    async def search(self, company_id: int | None, term: str, *, preparer_id: object = None,
                     region: str | None = None, limit: int = RESULT_CAP) -> list[MemberCard]:
        """Members matching `term` for the books `company_id` (None: the firm adding a client,
        searching `region`). Word prefixes first ("gag" finds "Plomberie Gagnon & Fils"), then,
        from three characters on, substrings ("mberie"); case and accents do not matter."""
        if company_id is not None:
            _own, region = await self.searcher(company_id)
        region = region or self.region
        folded = " ".join(fold(clean_text(term)).split())
        if not folded:
            return []
        self.limiter.check(preparer_id)
        limit = max(1, min(limit, RESULT_CAP))
        exclude = company_id or 0
        found: list[int] = []
        words = words_of(folded)
        if len(words) == 1 and words[0] == folded:
            found = await self._prefix_ids(region, folded, exclude, limit)
        if len(found) < limit and len(folded) >= 3:
            for company in await self._substring_ids(region, folded, exclude, limit + len(found)):
                if company not in found:
                    found.append(company)
                    if len(found) == limit:
                        break
        return await self._cards(found, region, exclude)

    async def _prefix_ids(self, region: str, prefix: str, exclude: int, limit: int) -> list[int]:
        upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        query = NetworkWord.select(NetworkWord.company).where(
            (NetworkWord.region == region) & (NetworkWord.word >= prefix)
            & (NetworkWord.word < upper) & (NetworkWord.company != exclude))
        if await self.store.import_runs.hidden_rows("members"):
            # An import is loading: leave its hidden members out here already, so that they
            # do not take the places of those found today (_cards checks again anyway).
            query = query.join(Company, on=(Company.id == NetworkWord.company)).where(live())
        rows = await self.store.list(
            query.order_by(NetworkWord.word, NetworkWord.company).limit(limit * 3).tuples())
        return list(dict.fromkeys(company for (company,) in rows))[:limit]

    async def _substring_ids(self, region: str, term: str, exclude: int,
                             limit: int) -> list[int]:
        if self.store.target.is_sqlite:
            phrase = '"' + term.replace('"', '""') + '"'
            cursor = await self.store.db.aexecute_sql(
                "SELECT c.id FROM network_search s JOIN company c ON c.id = s.rowid "
                "WHERE network_search MATCH ? AND c.region = ? AND c.id <> ? AND "
                "(c.import_run IS NULL OR c.import_run IN "
                "(SELECT id FROM import_run WHERE state = 'live')) LIMIT ?",
                (phrase, region, exclude, limit))
            return [row[0] for row in cursor.fetchall()]
        from store.text import like_pattern

        rows = await self.store.list(
            Company.select(Company.id).where(
                (Company.kind == "member") & Company.visible & (Company.region == region)
                & (Company.name_fold % like_pattern(term)) & (Company.id != exclude) & live())
            .limit(limit).tuples())
        return [company for (company,) in rows]

    async def _cards(self, ids: list[int], region: str, exclude: int) -> list[MemberCard]:
        """The public details of `ids`, in that order, re-checking every rule on the way out."""
        if not ids:
            return []
        rows = await self.store.list(Company.select(
            Company.id, Company.name, Company.email, Company.phone, Company.website,
            Company.address, Company.city).where(
            Company.id.in_(ids) & (Company.kind == "member") & Company.visible
            & (Company.region == region) & (Company.id != exclude) & live()).tuples())
        by_id = {row[0]: MemberCard(*row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    # -- customers and vendors ------------------------------------------------------------------

    async def add_contact(self, company_id: int, role: str, details: Details,
                          member_id: int | None = None, *, business_number: str = "",
                          peppol_id: str = "", language: str = "") -> int:
        """Add a customer or vendor; with `member_id`, linked to that member from now on.

        Details that differ from the member's (the preparer changed them after choosing it)
        count as edited by hand: the member's later changes then wait for review.
        """
        if role not in ("customer", "vendor"):
            raise NetworkError("role_invalid")
        now = self.store.clock()
        async with self.store.write():
            version, edited = None, False
            if member_id is not None:
                _own, region = await self.searcher(company_id)
                rows = await self.store.list(Company.select(
                    Company.version, *(getattr(Company, f) for f in PUBLIC_FIELDS)).where(
                    (Company.id == member_id) & (Company.kind == "member") & Company.visible
                    & (Company.region == region) & (Company.id != company_id)).tuples())
                if not rows:
                    raise NetworkError("member_unavailable")
                version, *values = rows[0]
                edited = Details(*values) != details
            return await self.store.execute(Contact.insert(
                company=company_id, role=role, member=member_id, synced_version=version,
                edited=edited, created_at=now, updated_at=now,
                business_number=_business_number(business_number),
                peppol_id=_peppol_id(peppol_id), language=_language(language),
                **asdict(details)))

    async def edit_contact(self, contact_id: int, details: Details, *,
                           business_number: str | None = None,
                           peppol_id: str | None = None, language: str | None = None) -> None:
        """The preparer's own change: a linked record keeps it over the member's (edited).
        The business number is the preparer's alone (members do not publish one)."""
        async with self.store.write():
            current = await self.contact(contact_id)
            number = current.business_number if business_number is None \
                else _business_number(business_number)
            changes: dict = {} if current.details == details else dict(
                edited=Contact.member.is_null(False), **asdict(details))
            if number != current.business_number:
                changes["business_number"] = number
            endpoint = current.peppol_id if peppol_id is None else _peppol_id(peppol_id)
            if endpoint != current.peppol_id:
                changes["peppol_id"] = endpoint
            if language is not None and _language(language) != current.language:
                changes["language"] = _language(language)
            if changes:
                await self.store.execute(Contact.update(
                    updated_at=self.store.clock(), **changes).where(Contact.id == contact_id))

    async def contact(self, contact_id: int) -> ContactRow:
        rows = await self._contact_rows(Contact.id == contact_id)
        if not rows:
            raise NetworkError("unknown_contact")
        return rows[0]

    async def contacts(self, company_id: int, role: str) -> list[ContactRow]:
        return await self._contact_rows((Contact.company == company_id) & (Contact.role == role))

    async def _contact_rows(self, where) -> list[ContactRow]:
        rows = await self.store.list(Contact.select(
            Contact.id, Contact.role, Contact.name, Contact.email, Contact.phone, Contact.website,
            Contact.address, Contact.city, Contact.member, Contact.edited, Contact.pending,
            Contact.business_number, Contact.peppol_id, Contact.language)
            .where(where).order_by(Contact.name, Contact.id).tuples())
        return [ContactRow(cid, role, Details(name, email, phone, website, address, city),
                           member, bool(edited),
                           Details(**json.loads(pending)["details"]) if pending else None,
                           number or "", endpoint or "", language or "")
                for (cid, role, name, email, phone, website, address, city, member, edited,
                     pending, number, endpoint, language) in rows]

    async def contact_language(self, contact_id: int) -> str:
        """The language a customer reads: its own, else its company's (en, fr)."""
        rows = await self.store.list(
            Contact.select(Contact.language, Company.language)
            .join(Company, on=(Contact.company == Company.id))
            .where(Contact.id == contact_id).tuples())
        if not rows:
            raise NetworkError("unknown_contact")
        own, company = rows[0]
        return own or company or "en"

    async def resolve(self, contact_id: int, *, take_theirs: bool) -> None:
        """Settle a held change: take the member's details, or keep the preparer's own."""
        async with self.store.write():
            rows = await self.store.list(Contact.select(Contact.pending)
                                         .where(Contact.id == contact_id).tuples())
            if not rows or not rows[0][0]:
                return
            held = json.loads(rows[0][0])
            update = {"pending": None, "synced_version": held["version"],
                      "updated_at": self.store.clock()}
            if take_theirs:
                update.update(held["details"], edited=False)
            await self.store.execute(Contact.update(**update).where(Contact.id == contact_id))

    async def _sync_links_counted(self, member_ids: list[int]) -> LinkSync:
        """Within a write: bring records linked to these (visible) members up to date.

        A record nobody edited takes the member's details (updated); an edited one holds them
        in `pending` for the preparer (held).
        """
        updated = held = 0
        for chunk in chunked(member_ids):
            members = {row[0]: row[1:] for row in await self.store.list(Company.select(
                Company.id, Company.version, *(getattr(Company, f) for f in PUBLIC_FIELDS))
                .where(Company.id.in_(chunk) & Company.visible
                       & (Company.kind == "member")).tuples())}
            if not members:
                continue
            links = await self.store.list(Contact.select(
                Contact.id, Contact.member, Contact.synced_version, Contact.edited)
                .where(Contact.member.in_(list(members))).tuples())
            for contact_id, member_id, synced, edited in links:
                version, *values = members[member_id]
                if synced == version:
                    continue
                details = dict(zip(PUBLIC_FIELDS, values, strict=True))
                update: dict[str, object]
                if edited:
                    update = {"pending": json.dumps({"version": version, "details": details},
                                                    ensure_ascii=False)}
                    held += 1
                else:
                    update = {**details, "synced_version": version, "pending": None}
                    updated += 1
                await self.store.execute(Contact.update(
                    updated_at=self.store.clock(), **update).where(Contact.id == contact_id))
        return LinkSync(updated, held)


def public_field_names() -> tuple[str, ...]:
    """The fields a MemberCard carries besides its id (for tests and documentation)."""
    return tuple(f.name for f in fields(MemberCard) if f.name != "id")
