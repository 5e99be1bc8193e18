"""Preparer accounts: creation, argon2id passwords, sign-in with a per-account lockout."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from peewee import IntegrityError, fn

from store.models import Firm, Preparer, UnknownSignIn
from store.secret import Secret
from store.text import clean_text, fold, username_key
from store.validate import FieldError, parse_email

if TYPE_CHECKING:
    from store.store import Store

# OWASP's floor for argon2id is m=19 MiB, t=2, p=1; we use one pass more (t=3), about 60 ms a
# hash on a shared 2-core machine, so sign-in stays quick while guessing stays expensive.
HASH_MEMORY_KIB = 19_456
HASH_TIME_COST = 3
HASHER = PasswordHasher(
    time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=1, type=Type.ID
)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # long passphrases welcome; anything longer is refused before hashing
LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=5)
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_UNKNOWN_TRACKED = 10_000


@dataclass(frozen=True)
class PreparerInfo:
    """A signed-in preparer, as the screens need it."""

    id: int
    firm_id: int
    username: str
    email: str
    firm_name: str
    role: str = "preparer"  # "admin": may change companies' public details and settings

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in: the preparer, or a reason ("invalid", "locked", "too_long")."""

    preparer: PreparerInfo | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.preparer is not None


def check_password(password: str | Secret) -> None:
    """Raise FieldError when `password` is too short or absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise FieldError("password_too_short")
    if len(password) > MAX_PASSWORD:
        raise FieldError("password_too_long")


def check_username(raw: str) -> str:
    value = clean_text(raw)
    if not value:
        raise FieldError("required")
    if not _USERNAME.match(value):
        raise FieldError("username_invalid")
    return value


class Accounts:
    """Preparers of the firm and how they sign in."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._dummy_hash: str | None = None
        # Failures against names that have no account, so that they lock out exactly like
        # real accounts do and a stranger cannot tell the two apart.

    async def count(self) -> int:
        return await self.store.scalar(Preparer.select(fn.COUNT(Preparer.id)))

    async def create(
        self, username: str, email: str, password: str | Secret, firm_name: str = "",
        role: str | None = None, *, only_first: bool = False,
    ) -> PreparerInfo:
        """Create a preparer; the first one also creates the firm, named `firm_name`, and is
        its admin whatever `role` says (a firm always has one); others are preparers unless
        `role` is "admin". `only_first`: the first account or none (the sign-in screen, which
        anyone at the keyboard reaches: once the firm exists, an admin adds its preparers)."""
        if role not in (None, "admin", "preparer"):
            raise AccountError({"role": "role_invalid"})
        errors: dict[str, str] = {}
        values: dict[str, str] = {}
        for name, check, raw in (
            ("username", check_username, username),
            ("email", parse_email, email),
        ):
            try:
                values[name] = check(raw)
            except FieldError as exc:
                errors[name] = exc.code
        try:
            check_password(password)
        except FieldError as exc:
            errors["password"] = exc.code
        if errors:
            raise AccountError(errors)
        password = Secret(password)
        password_hash = await asyncio.to_thread(lambda: HASHER.hash(password.reveal()))
        now = self.store.clock()
        async with self.store.write():
            firm_id = await self.store.firm_id()
            name = clean_text(firm_name)
            first = firm_id is None
            if only_first and not first:
                raise AccountError({"username": "firm_has_accounts"})
            if firm_id is None:
                if not name:
                    raise AccountError({"firm_name": "required"})
                firm_id = await self.store.execute(Firm.insert(name=name, created_at=now))
            elif name and fold(name) != fold(existing := await self.store.firm_name(firm_id)):
                # One database, one firm: a preparer is never silently put in another one.
                raise AccountError({"firm_name": "firm_differs"}, firm_name=existing)
            try:
                preparer_id = await self.store.execute(
                    Preparer.insert(
                        firm=firm_id,
                        username=values["username"],
                        username_key=username_key(values["username"]),
                        email=values["email"],
                        password_hash=password_hash,
                        role="admin" if first else (role or "preparer"),
                        created_at=now,
                    )
                )
            except IntegrityError as exc:
                raise AccountError({"username": "username_taken"}) from exc
        return await self._info(preparer_id)

    async def name(self, preparer_id: int | None) -> str | None:
        """A preparer's username (None for none, or for one removed since)."""
        if preparer_id is None:
            return None
        return await self.store.scalar(
            Preparer.select(Preparer.username).where(Preparer.id == preparer_id))

    async def info(self, preparer_id: int) -> PreparerInfo | None:
        """The preparer as the screens need it, or None for one removed."""
        if await self.name(preparer_id) is None:
            return None
        return await self._info(preparer_id)

    async def _info(self, preparer_id: int) -> PreparerInfo:
        rows = await self.store.list(
            Preparer.select(
                Preparer.id, Preparer.firm, Preparer.username, Preparer.email, Firm.name,
                Preparer.role,
            )
            .join(Firm, on=(Preparer.firm == Firm.id))
            .where(Preparer.id == preparer_id)
            .tuples()
        )
        pid, firm_id, username, email, firm_name, role = rows[0]
        return PreparerInfo(pid, firm_id, username, email, firm_name, role)

    async def is_admin(self, preparer_id: int) -> bool:
        return await self.store.scalar(Preparer.select(Preparer.role)
                                       .where(Preparer.id == preparer_id)) == "admin"

    async def _verify(self, password_hash: str | None, password: Secret) -> bool:
        if password_hash is None:
            if self._dummy_hash is None:
                self._dummy_hash = await asyncio.to_thread(HASHER.hash, "not a password at all")
            password_hash = self._dummy_hash
            await asyncio.to_thread(_verify, password_hash, password)
            return False
        return await asyncio.to_thread(_verify, password_hash, password)

    async def sign_in(self, username: str, password: str | Secret) -> SignInResult:
        """Check a username and password; unknown names and wrong passwords look the same."""
        password = Secret(password)
        if len(password) > MAX_PASSWORD or len(username) > 256:
            return SignInResult(None, "too_long")
        key = username_key(clean_text(username))
        now = self.store.clock()
        rows = await self.store.list(
            Preparer.select(Preparer.id, Preparer.password_hash, Preparer.locked_until)
            .where(Preparer.username_key == key)
            .tuples()
        )
        if not rows:
            # Kept in the database, as a real account's failures are: a fresh process must
            # not tell a locked account ("locked") from a name that is none ("invalid").
            await self._verify(None, password)
            if await self._note_unknown_failure(key, now):
                return SignInResult(None, "locked")
            return SignInResult(None, "invalid")
        preparer_id, password_hash, locked_until = rows[0]
        matched = await self._verify(password_hash, password)
        if locked_until and locked_until > now:
            return SignInResult(None, "locked")
        if not matched:
            await self._note_failure(preparer_id, now)
            return SignInResult(None, "invalid")
        update: dict[object, object] = {
            Preparer.failed_logins: 0,
            Preparer.locked_until: None,
            Preparer.last_login_at: now,
        }
        if HASHER.check_needs_rehash(password_hash):
            update[Preparer.password_hash] = await asyncio.to_thread(
                lambda: HASHER.hash(password.reveal()))
        await self.store.execute(Preparer.update(update).where(Preparer.id == preparer_id))
        return SignInResult(await self._info(preparer_id))

    async def _note_failure(self, preparer_id: int, now: dt.datetime) -> None:
        async with self.store.write():
            failures = await self.store.scalar(
                Preparer.select(Preparer.failed_logins).where(Preparer.id == preparer_id)
            )
            failures = (failures or 0) + 1
            if failures >= LOCK_AFTER:
                update = {Preparer.failed_logins: 0, Preparer.locked_until: now + LOCK_FOR}
            else:
                update = {Preparer.failed_logins: failures}
            await self.store.execute(Preparer.update(update).where(Preparer.id == preparer_id))

    async def _note_unknown_failure(self, key: str, now: dt.datetime) -> bool:
        """Count a failure under a name that is no account; True while that name is locked."""
        name_hash = hashlib.sha256(key.encode()).hexdigest()
        async with self.store.write():
            rows = await self.store.list(
                UnknownSignIn.select(UnknownSignIn.failures, UnknownSignIn.locked_until)
                .where(UnknownSignIn.name_hash == name_hash).tuples())
            failures, locked_until = rows[0] if rows else (0, None)
            if locked_until and locked_until > now:
                return True
            failures = 0 if locked_until else failures
            failures += 1
            locked = now + LOCK_FOR if failures >= LOCK_AFTER else None
            await self.store.execute(UnknownSignIn.insert(
                name_hash=name_hash, failures=0 if locked else failures, locked_until=locked,
                updated_at=now).on_conflict(
                    conflict_target=[UnknownSignIn.name_hash],
                    update={UnknownSignIn.failures: 0 if locked else failures,
                            UnknownSignIn.locked_until: locked,
                            UnknownSignIn.updated_at: now}))
            if not rows:  # bounded: the oldest names are forgotten first, a few at a time
                extra = await self.store.scalar(
                    UnknownSignIn.select(fn.COUNT(UnknownSignIn.name_hash))) - _UNKNOWN_TRACKED
                if extra > 0:
                    oldest = (UnknownSignIn.select(UnknownSignIn.name_hash)
                              .order_by(UnknownSignIn.updated_at).limit(extra))
                    await self.store.execute(UnknownSignIn.delete().where(
                        UnknownSignIn.name_hash.in_(oldest)))
        return False


def _verify(password_hash: str, password: Secret) -> bool:
    try:
        return HASHER.verify(password_hash, password.reveal())
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class AccountError(ValueError):
    """An account cannot be created; `by_field` says which field and why."""

    def __init__(self, by_field: dict[str, str], firm_name: str = "") -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in by_field.items()))
        self.by_field = by_field
        self.firm_name = firm_name  # the database's own firm, when another was named
