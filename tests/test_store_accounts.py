"""Preparer accounts on both backends: creation, sign-in, lockout, password limits."""

from __future__ import annotations

import pytest
from argon2 import Type as ArgonType
from argon2 import extract_parameters

from store import AccountError
from store.accounts import LOCK_AFTER
from store.models import Preparer, UnknownSignIn
from tests.helpers import PASSWORD, make_preparer

pytestmark = pytest.mark.real_hasher  # about the stored hash itself


async def test_first_account_creates_the_firm(store):
    assert await store.accounts.count() == 0
    assert await store.firm_id() is None
    info = await make_preparer(store)
    assert info.firm_name == "Cabinet Tremblay"
    assert await store.firm_id() == info.firm_id
    second = await store.accounts.create("jean", "jean@example.com", PASSWORD)
    assert second.firm_id == info.firm_id


async def test_first_account_needs_a_firm_name(store):
    with pytest.raises(AccountError) as err:
        await store.accounts.create("marie", "marie@example.com", PASSWORD, "")
    assert err.value.by_field == {"firm_name": "required"}
    assert await store.accounts.count() == 0


async def test_password_stored_as_argon2id_at_or_above_owasp_floor(store):
    await make_preparer(store)
    (stored,) = await store.list(Preparer.select(Preparer.password_hash).tuples())
    params = extract_parameters(stored[0])
    assert params.type is ArgonType.ID
    assert params.memory_cost >= 19_456 and params.time_cost >= 2
    assert PASSWORD not in stored[0]


async def test_username_is_unique_whatever_the_case(store):
    await make_preparer(store)
    with pytest.raises(AccountError) as err:
        await store.accounts.create("MARIE", "other@example.com", PASSWORD)
    assert err.value.by_field == {"username": "username_taken"}


async def test_bad_fields_reported_together(store):
    with pytest.raises(AccountError) as err:
        await store.accounts.create("a b", "nope", "short", "Firm")
    assert err.value.by_field == {
        "username": "username_invalid",
        "email": "email_invalid",
        "password": "password_too_short",
    }


async def test_sign_in_ignores_username_case(store):
    await make_preparer(store)
    result = await store.accounts.sign_in("Marie", PASSWORD)
    assert result.ok and result.preparer.username == "marie"


async def test_unknown_user_and_wrong_password_look_the_same(store):
    await make_preparer(store)
    unknown = await store.accounts.sign_in("nobody", PASSWORD)
    wrong = await store.accounts.sign_in("marie", "wrong password!")
    assert not unknown.ok and not wrong.ok
    assert unknown.reason == wrong.reason == "invalid"


async def test_sixty_four_character_password_works_and_absurd_one_is_refused(store):
    long_password = "p" * 64 + "ÉéÀ" * 10
    await store.accounts.create("long", "l@example.com", long_password, "Firm")
    assert (await store.accounts.sign_in("long", long_password)).ok
    absurd = await store.accounts.sign_in("long", "x" * 100_000)
    assert not absurd.ok and absurd.reason == "too_long"
    with pytest.raises(AccountError) as err:
        await store.accounts.create("other", "o@example.com", "x" * 2000)
    assert err.value.by_field == {"password": "password_too_long"}


async def test_five_failures_lock_that_account_only(store, clock):
    await make_preparer(store)
    await store.accounts.create("jean", "jean@example.com", PASSWORD)
    for _ in range(LOCK_AFTER):
        assert (await store.accounts.sign_in("marie", "wrong password!")).reason == "invalid"
    locked = await store.accounts.sign_in("marie", PASSWORD)
    assert not locked.ok and locked.reason == "locked"
    assert (await store.accounts.sign_in("jean", PASSWORD)).ok
    clock.advance(minutes=6)
    assert (await store.accounts.sign_in("marie", PASSWORD)).ok


async def test_a_success_resets_the_failure_count(store):
    await make_preparer(store)
    for _ in range(LOCK_AFTER - 1):
        await store.accounts.sign_in("marie", "wrong password!")
    assert (await store.accounts.sign_in("marie", PASSWORD)).ok
    for _ in range(LOCK_AFTER - 1):
        await store.accounts.sign_in("marie", "wrong password!")
    assert (await store.accounts.sign_in("marie", PASSWORD)).ok


async def test_unknown_names_lock_out_like_real_ones(store):
    await make_preparer(store)
    for _ in range(LOCK_AFTER):
        await store.accounts.sign_in("ghost", "whatever password")
    assert (await store.accounts.sign_in("ghost", "whatever password")).reason == "locked"


async def test_a_fresh_process_cannot_tell_a_locked_account_from_an_unknown_name(store, db_url):
    from store import Store

    await make_preparer(store)
    for _ in range(LOCK_AFTER):
        await store.accounts.sign_in("ghost", "whatever password")
        await store.accounts.sign_in("marie", "wrong password!")
    fresh = await Store.open(db_url, clock=store.clock)  # another process, the same clock
    try:
        ghost = await fresh.accounts.sign_in("ghost", "whatever password")
        marie = await fresh.accounts.sign_in("marie", "wrong password!")
        assert ghost.reason == marie.reason == "locked"
        rows = await fresh.list(UnknownSignIn.select(UnknownSignIn.name_hash).tuples())
        assert rows and all("ghost" not in name for (name,) in rows)
    finally:
        await fresh.close()
