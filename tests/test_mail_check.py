"""`linkdesk mail check` against real relays (aiosmtpd, trustme certificates): each step with
its result, what to change for a failure, exit 0 only when every step passed."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from tests.test_relay_problems import Relay

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


async def check(tmp_path, relay_url: str, *args: str, password: str = "right",
                ca=None, extra: str = "") -> tuple[int, str, str]:
    secret = tmp_path / "relay-password"
    secret.write_text(password + "\n")
    config = tmp_path / "linkdesk.toml"
    ca_line = f"ca_file = '{ca}'\n" if ca else ""
    config.write_text(f"[mail]\nrelay = '{relay_url}'\npassword_file = '{secret}'\n"
                      f"from = 'portail@tremblay.ca'\n{ca_line}{extra}")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "mail", "check", "--config", str(config), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=dict(os.environ))
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode(), err.decode()


async def test_every_step_passes_and_the_test_message_arrives(tmp_path, authority, ca_file):
    relay = await Relay(authority).start()
    try:
        code, out, err = await check(tmp_path, f"smtp+starttls://marie@localhost:{relay.port}",
                                     "--send-to", "marie@tremblay.ca", ca=ca_file)
    finally:
        await relay.stop()
    assert code == 0, out + err
    assert "FAILED" not in out and "Every step passed." in out
    lines = {line.split()[1]: line for line in out.splitlines()[1:-1] if line.startswith("  ok")}
    assert set(lines) == {"connect", "TLS", "login", "test"}
    assert "certificate for localhost" in lines["TLS"]
    assert len(relay.received) == 1 and b"relay check" in relay.received[0]
    assert "right" not in out + err  # the password is never printed


@pytest.mark.parametrize(("url", "password", "with_ca", "step", "advice"), [
    ("smtp+starttls://marie@localhost:{port}", "wrong", True, "login", "mail.password_file"),
    ("smtp+starttls://marie@localhost:{port}", "right", False, "TLS", "mail.ca_file"),
    ("smtp+starttls://marie@127.0.0.1:{port}", "right", True, "TLS", "name on the certificate"),
    ("smtp://marie@localhost:{port}", "right", True, "login", "mail.trusted_link"),
])
async def test_a_failed_step_says_what_to_change_and_exits_1(
        tmp_path, authority, ca_file, url, password, with_ca, step, advice):
    relay = await Relay(authority, names=("localhost",)).start()
    try:
        code, out, err = await check(tmp_path, url.format(port=relay.port), password=password,
                                     ca=ca_file if with_ca else None)
    finally:
        await relay.stop()
    assert code == 1, out + err
    failed = [line for line in out.splitlines() if line.strip().startswith("FAILED")]
    assert len(failed) == 1 and failed[0].split()[1] == step, out
    assert advice in out and f"The check failed at: {step}." in out
    assert relay.received == []


async def test_json_and_no_relay(tmp_path, authority, ca_file):
    relay = await Relay(authority).start()
    try:
        code, out, _err = await check(tmp_path, f"smtp+starttls://marie@localhost:{relay.port}",
                                      "--json", password="wrong", ca=ca_file)
    finally:
        await relay.stop()
    body = json.loads(out)
    assert code == 1 and body["passed"] is False
    assert [s["step"] for s in body["steps"]] == ["connect", "tls", "login", "send"]
    assert [s["ok"] for s in body["steps"]] == [True, True, False, None]
    assert body["steps"][2]["problem"] == "login_refused"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk", "mail", "check", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    assert process.returncode == 3 and out == b"" and b"no relay is set" in err
