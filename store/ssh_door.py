"""The SSH door's state: preparers' keys, the sessions open, who came in or was refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from peewee import JOIN, IntegrityError, fn

from store.models import Preparer, SshEvent, SshKey, SshSession
from store.text import clean_text, username_key

if TYPE_CHECKING:
    from store.store import Store

SIGN_IN, SIGN_OUT, REFUSED, ENDED = "sign_in", "sign_out", "refused", "ended"
DESK, COMMAND, DEMO = "desk", "command", "demo"


class SshKeyError(ValueError):
    """A key cannot be added or removed; `code` says why (unknown_user, key_taken, not_found,
    not_allowed)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class KeyFacts:
    """A public key as read from one OpenSSH line (linkdesk.ssh.keys reads and checks it)."""

    algorithm: str
    fingerprint: str
    public_key: str
    comment: str = ""


@dataclass(frozen=True)
class KeyRow:
    """A preparer's key, as listed: never the key itself, its fingerprint and comment."""

    id: int
    username: str
    fingerprint: str
    algorithm: str
    comment: str
    added_at: dt.datetime
    last_used_at: dt.datetime | None


@dataclass(frozen=True)
class SessionRow:
    """A session open through the door, as an admin sees it."""

    id: int
    username: str
    kind: str
    fingerprint: str
    address: str
    started_at: dt.datetime


class SshDoor:
    """Keys, sessions and the door's log."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def _preparer(self, username: str) -> tuple[int, int] | None:
        rows = await self.store.list(
            Preparer.select(Preparer.id, Preparer.firm)
            .where(Preparer.username_key == username_key(clean_text(username))).tuples())
        return rows[0] if rows else None

    async def _may_change(self, actor_id: int | None, preparer_id: int) -> None:
        """None acts as the firm's operator (the command line on the service's machine)."""
        if actor_id is None or actor_id == preparer_id:
            return
        if not await self.store.accounts.is_admin(actor_id):
            raise SshKeyError("not_allowed")

    async def add_key(self, username: str, key: KeyFacts, actor_id: int | None = None) -> KeyRow:
        """Give `username` the key; a key is one person's (its fingerprint is unique)."""
        found = await self._preparer(username)
        if found is None:
            raise SshKeyError("unknown_user")
        await self._may_change(actor_id, found[0])
        try:
            key_id = await self.store.execute(SshKey.insert(
                preparer=found[0], fingerprint=key.fingerprint, algorithm=key.algorithm,
                public_key=key.public_key, comment=key.comment[:200],
                added_at=self.store.clock(), added_by=actor_id))
        except IntegrityError:
            raise SshKeyError("key_taken") from None
        return next(k for k in await self.keys() if k.id == key_id)

    async def remove_key(self, username: str, fingerprint: str,
                         actor_id: int | None = None) -> None:
        found = await self._preparer(username)
        if found is None:
            raise SshKeyError("unknown_user")
        await self._may_change(actor_id, found[0])
        removed = await self.store.execute(SshKey.delete().where(
            (SshKey.preparer == found[0]) & (SshKey.fingerprint == fingerprint.strip())))
        if not removed:
            raise SshKeyError("not_found")

    async def keys(self, username: str | None = None) -> list[KeyRow]:
        query = (SshKey.select(SshKey.id, Preparer.username, SshKey.fingerprint,
                               SshKey.algorithm, SshKey.comment, SshKey.added_at,
                               SshKey.last_used_at)
                 .join(Preparer, on=(SshKey.preparer == Preparer.id)))
        if username is not None:
            query = query.where(Preparer.username_key == username_key(clean_text(username)))
        rows = await self.store.list(query.order_by(Preparer.username_key, SshKey.id).tuples())
        return [KeyRow(*row) for row in rows]

    async def keys_of(self, username: str) -> dict[str, int]:
        """{fingerprint: preparer} for `username`'s keys: one query, the same whether the name
        is an account or not (empty), so that a refusal takes the same time either way."""
        if len(username) > 256:
            username = ""
        rows = await self.store.list(
            SshKey.select(SshKey.fingerprint, SshKey.preparer)
            .join(Preparer, on=(SshKey.preparer == Preparer.id))
            .where(Preparer.username_key == username_key(clean_text(username))).tuples())
        return dict(rows)

    async def opened(self, preparer_id: int | None, kind: str, fingerprint: str, address: str,
                     process_id: int | None) -> int:
        """Record a session opened, and its sign-in; returns the session's id."""
        now = self.store.clock()
        async with self.store.write():
            session_id = await self.store.execute(SshSession.insert(
                preparer=preparer_id, kind=kind, fingerprint=fingerprint, address=address,
                process_id=process_id, started_at=now))
            await self.store.execute(SshEvent.insert(
                at=now, kind=SIGN_IN, preparer=preparer_id, fingerprint=fingerprint,
                address=address, session=session_id, detail=kind))
            if fingerprint:
                await self.store.execute(SshKey.update(last_used_at=now).where(
                    SshKey.fingerprint == fingerprint))
        return session_id

    async def set_pid(self, session_id: int, pid: int) -> None:
        await self.store.execute(SshSession.update(pid=pid).where(SshSession.id == session_id))

    async def closed(self, session_id: int, detail: str = "") -> None:
        """Record the session's end and its sign-out (once)."""
        now = self.store.clock()
        async with self.store.write():
            rows = await self.store.list(
                SshSession.select(SshSession.preparer, SshSession.fingerprint,
                                  SshSession.address, SshSession.ended_at)
                .where(SshSession.id == session_id).tuples())
            if not rows or rows[0][3] is not None:
                return
            preparer_id, fingerprint, address, _ended = rows[0]
            await self.store.execute(SshSession.update(ended_at=now).where(
                SshSession.id == session_id))
            await self.store.execute(SshEvent.insert(
                at=now, kind=SIGN_OUT, preparer=preparer_id, fingerprint=fingerprint,
                address=address, session=session_id, detail=detail[:200]))

    async def refused(self, fingerprint: str, address: str, detail: str) -> None:
        """A refused key, user or method: no name is kept (a password typed as a name)."""
        await self.store.execute(SshEvent.insert(
            at=self.store.clock(), kind=REFUSED, fingerprint=fingerprint, address=address,
            detail=detail[:200]))

    async def open_sessions(self, alive_processes: list[int] | None = None) -> list[SessionRow]:
        """Desks and demos not ended whose service is alive (a service killed leaves none
        open); a `status` over the door is not one."""
        from store.models import PipelineProcess
        from store.pipeline import STALE

        if alive_processes is None:
            cutoff = self.store.clock() - STALE
            alive_processes = [pid for (pid,) in await self.store.list(
                PipelineProcess.select(PipelineProcess.id)
                .where(PipelineProcess.stopped_at.is_null()
                       & (PipelineProcess.beat_at >= cutoff)).tuples())]
        rows = await self.store.list(
            SshSession.select(SshSession.id, fn.COALESCE(Preparer.username, ""), SshSession.kind,
                              SshSession.fingerprint, SshSession.address, SshSession.started_at)
            .join(Preparer, join_type=JOIN.LEFT_OUTER, on=(SshSession.preparer == Preparer.id))
            .where(SshSession.ended_at.is_null() & (SshSession.kind != COMMAND)
                   & SshSession.process_id.in_(alive_processes or [-1]))
            .order_by(SshSession.started_at).tuples())
        return [SessionRow(*row) for row in rows]

    async def ask_end(self, session_id: int, actor_id: int) -> None:
        """An admin asks the service to end a session (it does within a few seconds)."""
        if not await self.store.accounts.is_admin(actor_id):
            raise SshKeyError("not_allowed")
        async with self.store.write():
            asked = await self.store.execute(SshSession.update(end_asked_by=actor_id).where(
                (SshSession.id == session_id) & SshSession.ended_at.is_null()))
            if asked:
                await self.store.execute(SshEvent.insert(
                    at=self.store.clock(), kind=ENDED, preparer=actor_id, session=session_id,
                    fingerprint="", address="", detail="asked"))

    async def ends_asked(self, process_id: int) -> list[tuple[int, int]]:
        """(session, admin) for each of this service's open sessions an admin asked to end."""
        return await self.store.list(
            SshSession.select(SshSession.id, SshSession.end_asked_by)
            .where((SshSession.process_id == process_id) & SshSession.ended_at.is_null()
                   & SshSession.end_asked_by.is_null(False)).tuples())

    async def events(self, limit: int = 100) -> list[tuple]:
        """The door's log, newest first: (when, kind, username, fingerprint, address, detail)."""
        return await self.store.list(
            SshEvent.select(SshEvent.at, SshEvent.kind, fn.COALESCE(Preparer.username, ""),
                            SshEvent.fingerprint, SshEvent.address, SshEvent.detail)
            .join(Preparer, join_type=JOIN.LEFT_OUTER, on=(SshEvent.preparer == Preparer.id))
            .order_by(SshEvent.id.desc()).limit(limit).tuples())
