"""Reminders: one more message for invitations left pending, if the firm switched them on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import fn

from store.clients import PENDING
from store.models import Client, ClientYearStatus, Firm, Invitation
from store.versions import ChangedMeanwhile

if TYPE_CHECKING:
    from store.store import Store


@dataclass(frozen=True)
class ReminderSettings:
    """Off by default; when on, a reminder after `days` days pending, at most `most` of them."""

    on: bool = False
    days: int = 7
    most: int = 1
    version: int | None = None  # as read; None saves whatever is there (scripts, tests)


@dataclass(frozen=True)
class ReminderRow:
    """A pending invitation as the reminders screen lists it."""

    client_id: int
    name: str
    email: str
    tax_year: int
    sent_at: dt.datetime
    due_at: dt.datetime
    reminders: int
    language: str


@dataclass(frozen=True)
class StopView:
    """What the "stop these reminders" page may show: the firm's name, nothing of the client."""

    found: bool
    firm_name: str = ""
    language: str = "en"


class Reminders:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def settings(self, firm_id: int) -> ReminderSettings:
        rows = await self.store.list(Firm.select(
            Firm.reminders_on, Firm.reminder_days, Firm.reminder_max, Firm.settings_version)
            .where(Firm.id == firm_id).tuples())
        if not rows:
            return ReminderSettings()
        on, days, most, version = rows[0]
        return ReminderSettings(bool(on), days, most, version)

    async def configure(self, firm_id: int, settings: ReminderSettings,
                        preparer_id: int | None = None) -> int:
        """Save the firm's reminder settings; returns their new version.

        With `settings.version` set, a save over a change made since then raises
        ChangedMeanwhile (what they are now, who saved them) and changes nothing.
        """
        if not 1 <= settings.days <= 365 or not 1 <= settings.most <= 10:
            raise ValueError("days must be 1 to 365 and reminders 1 to 10")
        async with self.store.write():
            if preparer_id is not None and not await self.store.accounts.is_admin(preparer_id):
                raise PermissionError("only an admin of the firm may change reminder settings")
            import json

            from store.models import CompanyEvent

            await self.store.execute(CompanyEvent.insert(
                firm=firm_id, preparer=preparer_id, kind="reminder_settings_changed",
                detail=json.dumps({"on": settings.on, "days": settings.days,
                                   "most": settings.most}), at=self.store.clock()))
            where = Firm.id == firm_id
            if settings.version is not None:
                where &= Firm.settings_version == settings.version
            changed = await self.store.execute(Firm.update(
                reminders_on=settings.on, reminder_days=settings.days,
                reminder_max=settings.most, settings_version=Firm.settings_version + 1,
                settings_by=preparer_id).where(where))
            now = await self.settings(firm_id)
            assert now.version is not None  # settings as read always have their version
            if not changed:
                by = await self.store.scalar(Firm.select(Firm.settings_by)
                                             .where(Firm.id == firm_id))
                raise ChangedMeanwhile(now, now.version, await self.store.accounts.name(by))
        return now.version

    async def upcoming(self, firm_id: int, limit: int = 200,
                       settings: ReminderSettings | None = None) -> list[ReminderRow]:
        """Pending invitations that will get a reminder, soonest first (whether reminders are
        on or not: the screen shows what switching them on would do); `settings`: under
        these instead of the firm's (what the screen's unsaved ones would do)."""
        if settings is None:
            settings = await self.settings(firm_id)
        now = self.store.clock()
        last = fn.COALESCE(Invitation.reminded_at, Invitation.sent_at)  # the next counts from
        rows = await self.store.list(
            Invitation.select(Invitation.client, Client.display_name, Invitation.recipient,
                              Invitation.tax_year, last, Invitation.reminders,
                              Client.language)
            .join(Client, on=(Invitation.client == Client.id))
            .join(ClientYearStatus, on=(ClientYearStatus.client == Client.id)
                  & (ClientYearStatus.tax_year == Invitation.tax_year))
            .where((Client.firm == firm_id) & (Client.active == True)  # noqa: E712
                   & Client.reminders_stopped_at.is_null()
                   & (Invitation.state == PENDING) & (ClientYearStatus.status == PENDING)
                   & (Invitation.expires_at > now) & Invitation.sent_at.is_null(False)
                   & (Invitation.reminders < settings.most))
            .order_by(last, Invitation.id).limit(limit).tuples())
        wait = dt.timedelta(days=settings.days)
        return [ReminderRow(client, name, email, year, sent, sent + wait, count, language)
                for client, name, email, year, sent, count, language in rows]

    async def stop_view(self, token: str) -> StopView:
        """What the stop page shows for this link before anything is stopped."""
        rows = await self._link_client(token)
        if not rows:
            return StopView(False)
        _client, _stopped, firm_name, language = rows[0]
        return StopView(True, firm_name, language)

    async def _link_client(self, token: str) -> list[tuple]:
        from store.invitations import hash_token
        from store.models import InvitationLink

        return await self.store.list(
            Invitation.select(Client.id, Client.reminders_stopped_at, Firm.name,
                              Invitation.language)
            .join(InvitationLink, on=(InvitationLink.invitation == Invitation.id))
            .switch(Invitation).join(Client, on=(Invitation.client == Client.id))
            .join(Firm, on=(Client.firm == Firm.id))
            .where(InvitationLink.token_hash == hash_token(token)).tuples())

    async def stop(self, token: str) -> StopView:
        """The client of this link asks for no more reminders (the one-click link of a
        reminder, RFC 8058): whatever the invitation's state, for every tax year, once (the
        history says so once). Returns the firm's name and language for the page, or
        `found=False` for an unknown token."""
        now = self.store.clock()
        async with self.store.write():
            rows = await self._link_client(token)
            if not rows:
                return StopView(False)
            client_id, stopped_at, firm_name, language = rows[0]
            if stopped_at is None:
                await self.store.execute(Client.update(reminders_stopped_at=now)
                                         .where(Client.id == client_id))
                await self.store.clients.log(client_id, None, "reminders_stopped", {})
        return StopView(True, firm_name, language)

    async def due(self, firm_id: int) -> list[ReminderRow]:
        """Those whose reminder is due now; none while reminders are off."""
        if not (await self.settings(firm_id)).on:
            return []
        now = self.store.clock()
        return [row for row in await self.upcoming(firm_id, limit=10_000) if row.due_at <= now]
