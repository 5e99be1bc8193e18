"""The SSH keys and sessions in the app: an admin adds and removes any preparer's keys and sees
who is connected and ends a session; a preparer manages their own keys only."""

from __future__ import annotations

import subprocess

import pytest
from textual.widgets import DataTable, Input, Static

from store.pipeline import SERVICE
from store.ssh_door import DESK, SshKeyError
from tests.harness import burst, on_sqlite, open_list, running, settle, sign_in, wait_for
from tests.helpers import PASSWORD, make_preparer
from tui.screens.add_ssh_key import AddSshKeyScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.ssh_keys import SshKeysScreen
from tui.screens.ssh_sessions import SshSessionsScreen

pytestmark = on_sqlite


@pytest.fixture
def pub(tmp_path):
    def make(name: str, kind: str = "ed25519", bits: str = "") -> str:
        path = tmp_path / f"id_{name}_{kind}{bits}"
        subprocess.run(["ssh-keygen", "-q", "-t", kind, *(["-b", bits] if bits else []), "-N",
                        "", "-C", f"{name}@laptop", "-f", str(path)], check=True)
        return path.with_suffix(".pub").read_text().strip()
    return make


def _keys_table(app) -> list[tuple[str, str]]:
    table = app.screen.query_one("#ssh-key-list", DataTable)
    return [(str(table.get_row_at(i)[0]), str(table.get_row_at(i)[1]))
            for i in range(table.row_count)]


async def test_an_admin_adds_and_removes_a_colleague_s_key(store, pub):
    await make_preparer(store, "marie")
    await make_preparer(store, "luc")
    line = pub("luc")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SshKeysScreen)
        assert pilot.app.screen.query_one("#ssh-keys-empty", Static).display
        await pilot.press("a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, AddSshKeyScreen)
        dialog.query_one("#input-username", Input).value = "luc"
        # A line pasted arrives as a paste; the fingerprint is shown before saving.
        dialog.query_one("#input-key", Input).insert_text_at_cursor(line)
        await settle(pilot)
        said = str(dialog.query_one("#key-said", Static).render())
        assert said.startswith("ssh-ed25519  SHA256:") and said.endswith("luc@laptop")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SshKeysScreen)
        [(owner, fingerprint)] = _keys_table(pilot.app)
        assert owner == "luc" and said.split()[1] == fingerprint
        assert [k.fingerprint for k in await store.ssh.keys("luc")] == [fingerprint]
        await pilot.press("x")
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot)
        assert await store.ssh.keys("luc") == []
        assert _keys_table(pilot.app) == []


async def test_a_bad_line_says_why_and_loses_nothing(store, pub):
    await make_preparer(store, "marie")
    weak = pub("marie", "rsa", "2048")
    async with running(store) as pilot:
        await open_list(pilot)
        await pilot.press("k", "a")
        await settle(pilot)
        dialog = pilot.app.screen
        field = dialog.query_one("#input-key", Input)
        said = dialog.query_one("#key-said", Static)
        for line, reason in ((weak, "an RSA key of 2048 bits is too weak"),
                             ("-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAA",
                              "that is a private key"),
                             ("[red]ssh-ed25519[/red] AAAAC3NzaC1lZDI1NTE5AAAAIK",
                              "not an accepted public key")):
            field.value = line
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert pilot.app.screen is dialog and field.value == line
            assert reason in str(said.render())
        field.value = pub("marie")
        dialog.query_one("#input-username", Input).value = "nobody"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "no preparer by that name" in str(said.render())
        assert await store.ssh.keys() == []


async def test_a_preparer_adds_their_own_key_only_and_sees_no_sessions(store, pub):
    await make_preparer(store, "marie")
    luc = await make_preparer(store, "luc")
    from linkdesk.ssh.keys import read_key_line

    await store.ssh.add_key("marie", read_key_line(pub("marie")))
    async with running(store) as pilot:
        await sign_in(pilot, "luc", PASSWORD)
        await pilot.press("k")
        await settle(pilot)
        screen = pilot.app.screen
        assert _keys_table(pilot.app) == []  # marie's key is not luc's to see
        assert screen.check_action("sessions", ()) is None  # not on luc's key line
        await pilot.press("s")
        await settle(pilot)
        assert pilot.app.screen is screen
        await pilot.press("a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert dialog.query_one("#input-username", Input).disabled  # his own account only
        dialog.query_one("#input-key", Input).value = pub("luc")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [owner for owner, _f in _keys_table(pilot.app)] == ["luc"]
    marie_key = (await store.ssh.keys("marie"))[0]
    with pytest.raises(SshKeyError, match="not_allowed"):  # nor through the store
        await store.ssh.remove_key("marie", marie_key.fingerprint, luc.id)


async def test_an_admin_sees_who_is_connected_and_asks_a_session_to_end(store):
    marie = await make_preparer(store, "marie")
    luc = await make_preparer(store, "luc")
    service = await store.pipeline.register(SERVICE, runs_pipeline=True)
    session_id = await store.ssh.opened(luc.id, DESK, "SHA256:abc", "192.0.2.7", service)
    async with running(store) as pilot:
        await open_list(pilot)
        burst(pilot, "k", "s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, SshSessionsScreen)
        table = pilot.app.screen.query_one("#ssh-session-list", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[:2] == ["luc", "192.0.2.7"]
        detail = pilot.app.screen.query_one("#ssh-session-detail", Static)
        assert str(detail.render()) == "Key SHA256:abc"
        await pilot.press("e")
        await wait_for(lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot)
        assert "(ending)" in str(table.get_row_at(0)[0])
    assert await store.ssh.ends_asked(service) == [(session_id, marie.id)]
    assert (await store.ssh.events())[0][1:3] == ("ended", "marie")
