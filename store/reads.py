"""What the store asks of its database, whichever connection answers: the async Store's pool,
or the standard library's sqlite3 for a command that only reads (store.sqlite_reader).

Each part of the store (clients, pipeline, hooks, the SSH door...) runs its queries through
`list` and `scalar`; a subclass says how. So `linkdesk status` on SQLite reads the same
queries, written once, without loading asyncio, aiosqlite and pwasyncio."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, cast

from peewee import fn

from store import migrations
from store.models import Firm, SchemaVersion

if TYPE_CHECKING:
    from store.accounts import Accounts
    from store.clients import Clients
    from store.import_runs import ImportRuns
    from store.invitations import Invitations
    from store.network import Network
    from store.pipeline import Pipeline
    from store.reminders import Reminders
    from store.store import Store
    from store.target import DatabaseTarget

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    """Naive UTC now: every timestamp in the store is naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class StoreUnavailableError(RuntimeError):
    """The database cannot be opened or reached; the message says what failed."""


def describe_failure(exc: BaseException) -> str:
    """One line saying why the database could not be used, without a traceback."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text}"


class StoreReads:
    """The store's parts and the questions every connection answers alike."""

    def __init__(self, target: DatabaseTarget, clock: Clock = utcnow,
                 region: str = "CA") -> None:
        self.target = target
        self.clock = clock
        self.region = region  # the region of books opened here (LINKDESK_REGION)

    @property
    def _as_store(self) -> Store:
        """Self, as the parts are typed: they are written for the Store; a reader answers
        the reads of theirs it is used for (`list`, `scalar`, `clock`)."""
        return cast("Store", self)

    async def list(self, query) -> builtins.list:  # pragma: no cover - per connection
        """The rows of a peewee query."""
        raise NotImplementedError

    async def scalar(self, query):  # pragma: no cover - per connection
        """The first column of the first row of a peewee query."""
        raise NotImplementedError

    @cached_property
    def accounts(self) -> Accounts:
        """Preparers and sign-in (imported on first use: argon2 is not needed by scripts)."""
        from store.accounts import Accounts

        return Accounts(self._as_store)

    @cached_property
    def invitations(self) -> Invitations:
        from store.invitations import Invitations

        return Invitations(self._as_store)

    @cached_property
    def network(self) -> Network:
        """The business network: companies, directory search, customers and vendors."""
        from store.network import Network

        return Network(self._as_store)

    @cached_property
    def import_runs(self) -> ImportRuns:
        """Imports written as a hidden generation and switched on at the end."""
        from store.import_runs import ImportRuns

        return ImportRuns(self._as_store)

    @cached_property
    def bulk_runs(self):
        """Bulk invitations as they go (one cut short stays visible)."""
        from store.bulk_runs import BulkRuns

        return BulkRuns(self._as_store)

    @cached_property
    def bounces(self):
        """Delivery reports (bounces, delays) against the outbox and the invitations."""
        from store.bounces import Bounces

        return Bounces(self._as_store)

    @cached_property
    def hooks(self):
        """Webhook events for the firm's systems, queued with the changes they tell."""
        from store.hooks import Hooks

        return Hooks(self._as_store)

    @cached_property
    def pipeline(self) -> Pipeline:
        """Which processes run the pipeline (heartbeats), and how it is doing."""
        from store.pipeline import Pipeline

        return Pipeline(self._as_store)

    @cached_property
    def ssh(self):
        """The SSH door: preparers' keys, the sessions open, who came in or was refused."""
        from store.ssh_door import SshDoor

        return SshDoor(self._as_store)

    @cached_property
    def reminders(self) -> Reminders:
        from store.reminders import Reminders

        return Reminders(self._as_store)

    @cached_property
    def invoices(self):
        """Sales invoices in a company's books, and sending them."""
        from store.invoices import Invoices

        return Invoices(self._as_store)

    @cached_property
    def bills(self):
        """Bills for review, approval, the payment schedule."""
        from store.bills import Bills

        return Bills(self._as_store)

    @cached_property
    def invoice_mail(self):
        """Invoices that go by email, through the outbox."""
        from store.invoice_mail import InvoiceMail

        return InvoiceMail(self._as_store)

    @cached_property
    def clients(self) -> Clients:
        from store.clients import Clients

        return Clients(self._as_store)

    def today(self) -> dt.date:
        """The preparer's date now (the store's clock, read in this machine's time zone):
        what a form proposes as "today" and what "overdue" is measured from."""
        return self.clock().replace(tzinfo=dt.UTC).astimezone().date()

    @property
    def backend(self) -> str:
        return self.target.backend

    async def schema_version(self) -> int:
        return int(await self.scalar(SchemaVersion.select(fn.MAX(SchemaVersion.version))) or 0)

    async def check_schema(self) -> None:
        """For a read-only open: the schema must be this linkdesk's already."""
        current = await self.schema_version()  # a file that cannot be read says why here
        migrations.pending(current, self.backend)  # refuses a schema that is too new
        if current < migrations.LATEST:
            raise StoreUnavailableError(
                f"the database is at schema version {current}, this linkdesk reads version "
                f"{migrations.LATEST}: open it once with linkdesk, with write access, to bring "
                "it up to date")

    async def firm_id(self) -> int | None:
        """The firm this database belongs to, or None before the first account is made."""
        return await self.scalar(Firm.select(fn.MIN(Firm.id)))

    async def firm_name(self, firm_id: int) -> str:
        return await self.scalar(Firm.select(Firm.name).where(Firm.id == firm_id)) or ""
