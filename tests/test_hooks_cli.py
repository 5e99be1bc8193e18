"""`linkdesk hooks test` and the hooks settings as scripts meet them: real processes, a real
aiohttp receiver, exit statuses, one clear line for what cannot be used, no secret printed."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from linkdesk.hooks.signing import verify
from tests.hook_receiver import Receiver

SECRET = "whsec_cli_4b1e"


async def linkdesk(*args: str, env: dict | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})})
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


def hook_env(tmp_path, url: str) -> dict:
    secret = tmp_path / "hooks-secret"
    secret.write_text(SECRET + "\n")
    secret.chmod(0o600)
    return {"LINKDESK_HOOKS_URL": url, "LINKDESK_HOOKS_SECRET_FILE": str(secret)}


async def test_hooks_test_sends_a_signed_event_and_prints_the_answer(tmp_path):
    async with Receiver() as receiver:
        code, out, err = await linkdesk("hooks", "test", env=hook_env(tmp_path, receiver.url))
    assert (code, err) == (0, ""), err
    (got,) = receiver.got
    assert got.event["type"] == "hook.test" and got.event["id"] in out
    assert verify(SECRET, got.headers["Linkdesk-Signature"], got.body)
    assert "HTTP 200" in out and SECRET not in out


async def test_hooks_test_fails_with_the_receivers_answer(tmp_path):
    async with Receiver([500]) as receiver:
        code, out, _err = await linkdesk("hooks", "test", "--json",
                                         env=hook_env(tmp_path, receiver.url + "?key=k1"))
    assert code == 1
    answer = json.loads(out)
    assert (answer["ok"], answer["status"], answer["error"]) == (False, 500, None)
    assert answer["url"] == receiver.url  # without its query: it may hold a key
    async with Receiver([401]) as receiver:
        code, out, _err = await linkdesk("hooks", "test", env=hook_env(tmp_path, receiver.url))
    assert code == 1 and "answered HTTP 401: it refuses events; each is tried 8 times" in out
    code, out, _err = await linkdesk("hooks", "test", "--json",
                                     env=hook_env(tmp_path, "http://127.0.0.1:9/hooks"))
    assert code == 1 and json.loads(out)["error"] == "cannot connect: connection refused"


async def test_hooks_test_without_a_receiver_says_so(tmp_path):
    code, out, err = await linkdesk("hooks", "test")
    assert (code, out) == (3, "")
    assert err.strip() == ("linkdesk: no webhook receiver is set (hooks.url, with "
                           "hooks.secret_file): there is nowhere to send a test event")


async def test_settings_are_checked_and_the_secret_never_shown(tmp_path):
    code, out, err = await linkdesk("config", "--json", env=hook_env(tmp_path,
                                                                     "https://crm.firm.ca/in"))
    assert code == 0, err
    shown = json.loads(out)["settings"]
    assert shown["hooks.url"] == {"value": "https://crm.firm.ca/in",
                                  "from": "LINKDESK_HOOKS_URL"}
    assert shown["hooks.secret"]["value"] == "*** (set)" and SECRET not in out
    config = tmp_path / "linkdesk.toml"
    config.write_text(f'[hooks]\nurl = "https://crm.firm.ca/in"\n'
                      f'secret_file = "{tmp_path / "hooks-secret"}"\n')
    code, out, err = await linkdesk("config", "--config", str(config))
    assert code == 0 and "hooks.url" in out and SECRET not in out
    for env, words in (
            ({"LINKDESK_HOOKS_URL": "https://crm.firm.ca/in"},
             "LINKDESK_HOOKS_URL: hooks.url needs hooks.secret_file"),
            ({"LINKDESK_HOOKS_URL": "ftp://crm.firm.ca/in"},
             "LINKDESK_HOOKS_URL: expected http(s)://host[:port]/path"),
            ({"LINKDESK_HOOKS_URL": "https://me:pw@crm.firm.ca/in"},
             "LINKDESK_HOOKS_URL: no user or password in the address")):
        code, out, err = await linkdesk("config", env=env)
        assert (code, out) == (2, "") and len(err.strip().splitlines()) == 1, err
        assert err.startswith("linkdesk: " + words), err
    config.write_text('[hooks]\nsecret = "in the file"\n')
    code, _out, err = await linkdesk("config", "--config", str(config))
    assert code == 2 and "hooks.secret_file" in err and "in the file" not in err


async def test_status_says_events_wait_for_a_receiver_that_never_answered(sqlite_url):
    from store import Store
    from tests.helpers import make_preparer

    store = await Store.open(sqlite_url)
    try:
        await make_preparer(store)
        async with store.write():
            await store.hooks.queue("bill.paid", [{"n": 1}, {"n": 2}])
    finally:
        await store.close()
    code, out, err = await linkdesk("status", "--db", sqlite_url)
    assert code == 0, err
    assert "\nWebhooks waiting: 2 (oldest 0 min)\nNo receiver has answered yet: they are sent " \
           "by the service (or the app) whose settings have hooks.url.\n" in out
    code, out, err = await linkdesk("status", "--db", sqlite_url, "--json")
    hooks = json.loads(out)["hooks"]
    assert (hooks["queue"], hooks["last_status"], hooks["last_at"]) == (2, None, None)


async def test_status_shows_failed_events_and_hooks_retry_queues_them_again(sqlite_url, clock):
    import aiohttp

    from linkdesk.web.accept import make_web_app, start_site
    from linkdesk.web.health import add_health
    from store import Store
    from store.hooks import REFUSALS, HookAnswer
    from tests.helpers import make_preparer

    store = await Store.open(sqlite_url, clock=clock)
    try:
        await make_preparer(store)
        async with store.write():
            await store.hooks.queue("bill.paid", [{"n": 1}])
        for _ in range(REFUSALS):
            (job,) = await store.hooks.claim_many(10)
            await store.hooks.record([HookAnswer(job, status=401)])
            clock.now = await store.hooks.next_due() or clock.now
        app = make_web_app(store)
        add_health(app, store)
        runner = await start_site(app, "127.0.0.1", 0)
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"http://127.0.0.1:{runner.addresses[0][1]}/healthz") as response:
                shown = (await response.json())["hooks"]
        finally:
            await runner.cleanup()
    finally:
        await store.close()
    assert (shown["queue"], shown["failed"], shown["last_status"]) == (0, 1, 401)
    code, out, err = await linkdesk("status", "--db", sqlite_url)
    assert code == 0, err
    assert "\nWebhooks waiting: 0\n" in out
    assert f"1 webhook failed: the receiver refused it {REFUSALS} times (its answer is " \
           "kept); `linkdesk hooks retry` sends it again.\n" in out
    code, out, err = await linkdesk("status", "--db", sqlite_url, "--json")
    hooks = json.loads(out)["hooks"]
    assert (hooks["queue"], hooks["failed"], hooks["last_status"]) == (0, 1, 401)
    code, out, err = await linkdesk("hooks", "retry", "--db", sqlite_url)
    assert (code, out, err) == (0, "1 failed webhook queued again.\n", "")
    code, out, err = await linkdesk("status", "--db", sqlite_url, "--json")
    hooks = json.loads(out)["hooks"]
    assert (hooks["queue"], hooks["failed"]) == (1, 0)
