"""The SSH door with the real OpenSSH client against a real `linkdesk serve`, on both backends: a
preparer's key opens the desk in a process of its own, sized to the window and resized with it;
other keys, names and no key are refused alike; scripts run `status` over the same door."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from store import Store
from tests.ssh_door import DoorService, Terminal, askpass, firm, make_key, needs_ssh

pytestmark = [needs_ssh, pytest.mark.timeout(240)]


@pytest.fixture
def keys(tmp_path):
    return {name: make_key(tmp_path / f"id_{name}") for name in ("marie", "luc", "stranger")}


@pytest.fixture
def door(db_url, tmp_path, keys):
    firm(db_url, {"marie": keys["marie"], "luc": keys["luc"]})
    with DoorService(db_url, tmp_path) as service:
        yield service


@pytest.fixture
def terminals(tmp_path):
    opened: list[Terminal] = []

    def make(name: str = "t", cols: int = 100, rows: int = 30) -> Terminal:
        opened.append(Terminal(tmp_path, name, cols, rows))
        return opened[-1]

    yield make
    for terminal in opened:
        terminal.close()


async def _sessions(db_url: str) -> list[tuple]:
    from store.models import SshSession

    store = await Store.open(db_url)
    try:
        return await store.list(SshSession.select(SshSession.id, SshSession.pid,
                                                  SshSession.ended_at)
                                .order_by(SshSession.id).tuples())
    finally:
        await store.close()


async def _events(db_url: str) -> list[tuple]:
    store = await Store.open(db_url)
    try:
        return await store.ssh.events()
    finally:
        await store.close()


def test_a_key_opens_the_desk_in_a_process_of_its_own_resized_with_the_window(
        door, db_url, keys, terminals):
    term = terminals(cols=100, rows=30).start(door.ssh_args("marie", keys["marie"]))
    term.wait_for("No clients yet")
    # The footer at 100 columns (drawn in the same frame or the next, on a loaded machine).
    screen = term.wait_for("c Cancel inv.  ? Help")
    assert "marie" in screen and "Cabinet Tremblay" in screen  # signed in, no password asked
    [(_session_id, pid, ended)] = asyncio.run(_sessions(db_url))
    assert pid and pid != door.proc.pid and ended is None  # its own process
    term.resize(70, 20)
    term.wait_for("Tax year  ? Help")  # the footer laid out for 70 columns
    screen = term.screen()
    assert max(len(line.rstrip()) for line in screen.splitlines()) <= 70
    assert "Cancel inv." not in screen  # the footer laid out again for 70 columns
    term.send("C-q")
    assert term.exit_status() == 0
    kinds = [kind for _at, kind, *_rest in asyncio.run(_events(db_url))]
    assert kinds[:2] == ["sign_out", "sign_in"]


def test_another_key_an_unknown_name_and_no_key_are_refused_alike(door, db_url, keys):
    tries = [door.run("marie", keys["stranger"], "status"),  # a key that is nobody's
             door.run("marie", keys["luc"], "status"),  # a colleague's key
             door.run("nobody", keys["marie"], "status"),  # no such preparer
             door.run("marie", None, "status"),  # no key at all
             door.run("demo", None, "status")]  # the demo is off: a name like any other
    for done in tries:
        assert done.returncode == 255
        assert done.stdout == ""
        assert done.stderr.strip().endswith("@127.0.0.1: Permission denied (publickey).")
    assert len({done.stderr.split(":", 1)[1] for done in tries}) == 1
    refused = [row for row in asyncio.run(_events(db_url)) if row[1] == "refused"]
    assert len(refused) == 3 and all(row[4] == "127.0.0.1" for row in refused)
    assert all(row[2] == "" for row in refused)  # no name kept: it may be a password typed


def test_status_over_the_door_and_nothing_else(door, keys):
    done = door.run("marie", keys["marie"], "status", "--tax-year", "2025", "--json")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["tax_year"] == 2025 and shown["total"] == 0
    assert shown["pipeline"]["service_alive"] is True
    for command in (["ls", "-la"], ["status", "--rm"], ["scp", "-t", "."]):
        done = door.run("marie", keys["marie"], *command)
        assert done.returncode == 2
        assert done.stderr.count("\n") == 1
        assert "only `status [--tax-year Y] [--json]` runs" in done.stderr
    done = door.run("marie", keys["marie"], options=("-T",))  # a desk with no terminal
    assert done.returncode == 2 and "needs a terminal" in done.stderr


def test_port_forwarding_and_sftp_are_refused(door, keys, tmp_path):
    import shutil
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        local = probe.getsockname()[1]
    args = door.ssh_args("marie", keys["marie"], "-N", "-L", f"{local}:127.0.0.1:{door.port}",
                         log_level="INFO")
    forward = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", local), timeout=5) as conn:
                    conn.settimeout(30)
                    assert conn.recv(100) == b""  # closed at once: nothing forwarded
                break
            except ConnectionRefusedError:
                import time

                time.sleep(0.05)
    finally:
        forward.kill()  # with -N, a busy client may wait on SIGTERM: its words are written
        said = forward.communicate(timeout=30)[1]
    assert "administratively prohibited: linkdesk opens the desk only" in said
    done = door.run("marie", keys["marie"], "-N", options=(
        "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:22"))
    assert done.returncode == 255 and "remote port forwarding failed" in done.stderr
    if shutil.which("sftp"):
        sftp = subprocess.run(["sftp", "-F", "/dev/null", "-P", str(door.port), "-b", "-",
                               "-o", "StrictHostKeyChecking=no",
                               "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
                               "-o", "IdentitiesOnly=yes", "-i", str(keys["marie"]),
                               "marie@127.0.0.1"], input="ls\n", capture_output=True,
                              text=True, timeout=60)
        assert sftp.returncode != 0 and "subsystem request failed" in sftp.stderr


def test_killing_one_session_ends_it_alone(door, db_url, keys, terminals):
    first = terminals("one").start(door.ssh_args("marie", keys["marie"]))
    first.wait_for("No clients yet")  # marie's session is the first one recorded
    second = terminals("two").start(door.ssh_args("luc", keys["luc"]))
    second.wait_for("No clients yet")
    sessions = asyncio.run(_sessions(db_url))
    os.kill(sessions[0][1], signal.SIGKILL)
    assert first.exit_status() == 1
    assert "the desk stopped unexpectedly" in first.transcript()
    second.send("a")  # the other desk still answers its keys
    second.wait_for("Individual")
    assert door.proc.poll() is None
    assert door.run("marie", keys["marie"], "status").returncode == 0
    second.send("Escape")
    # Escape and ctrl+q in one read are alt+ctrl+q to a terminal app: the dialog goes first.
    second.wait_gone("Individual")
    second.send("C-q")
    assert second.exit_status() == 0


def test_the_client_s_language_and_no_color_reach_the_desk(door, keys, terminals):
    french = terminals("fr").start(door.ssh_args("marie", keys["marie"], "-o", "SendEnv=LANG"),
                                   LANG="fr_CA.UTF-8")
    french.wait_for("Année d'imposition")
    plain = terminals("plain").start(door.ssh_args("luc", keys["luc"], "-o", "SetEnv=NO_COLOR=1"))
    plain.wait_for("No clients yet")
    assert not _hues(plain.screen(escapes=True))  # Textual's NO_COLOR: shades of grey only
    assert _hues(french.screen(escapes=True))  # the same desk in colour


def _hues(screen: str) -> set[str]:
    """The colours on a screen (tmux's escapes) that are not a shade of grey."""
    greys = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}
    found = set()
    for number in re.findall(r"[34]8;5;(\d+)", screen):
        if int(number) not in greys:
            found.add(number)
    for r, g, b in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", screen):
        if not r == g == b:
            found.add(f"{r},{g},{b}")
    for number in re.findall(r"\x1b\[(?:[0-9;]*;)?(3[1-6]|4[1-6]|9[1-6]|10[1-6])m", screen):
        found.add(number)
    return found



def test_a_refused_key_storm_is_turned_away_by_address(door, keys):
    from linkdesk.ssh.server import REFUSALS_ALLOWED

    for _ in range(REFUSALS_ALLOWED):
        assert door.run("marie", keys["stranger"], "status").returncode == 255
    done = door.run("marie", keys["marie"], "status")  # the right key, from that address
    assert done.returncode == 255
    assert "too many refused attempts from your address; try later" in done.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_door_listens_on_this_machine_only_unless_told(db_url, tmp_path):
    from linkdesk.settings import Settings
    from linkdesk.ssh.server import Door

    async def addresses(**given) -> set[str]:
        store = await Store.open(db_url)
        door = Door(Settings(db_url=db_url, data_dir=tmp_path, ssh_port=0, **given), store,
                    lambda: None)
        try:
            await door.start()
            return door.addresses
        finally:
            await door.stop()
            await store.close()

    assert asyncio.run(addresses()) == {"127.0.0.1"}  # as service.host
    assert asyncio.run(addresses(ssh_host="0.0.0.0")) == {"0.0.0.0"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_demo_for_anyone_in_a_directory_removed_at_the_end(db_url, tmp_path, keys,
                                                               terminals):
    firm(db_url, {"marie": keys["marie"]})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    # The firm's database and relay password in the service's environment, as systemd may
    # give them: none of it reaches a demo.
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true", TMPDIR=str(scratch),
                     LINKDESK_DB=db_url, LINKDESK_SMTP_PASSWORD="relay-secret") as door:
        term = terminals("demo").start(door.ssh_args("demo", None))  # no key asked
        screen = term.wait_for("A demo firm")
        assert "Cabinet Tremblay" not in screen  # nothing of the firm's
        [directory] = scratch.iterdir()
        [(_id, pid, _ended)] = asyncio.run(_sessions(db_url))
        assert _parent(pid) == _warm_process(door.proc.pid)  # forked, with its own TMPDIR
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        assert not [v for v in environ if v.startswith(b"LINKDESK_") or b"relay-secret" in v]
        assert Path(f"/proc/{pid}/cwd").resolve() == directory.resolve()
        files = {os.readlink(f) for f in Path(f"/proc/{pid}/fd").iterdir()
                 if os.readlink(f).startswith("/")}
        assert not [f for f in files if f.startswith(str(tmp_path / "linkdesk"))]
        assert any(f.startswith(str(directory)) for f in files)  # its own database
        os.kill(door.proc.pid, 0)
        term.send("C-q")
        assert term.exit_status() == 0
        for _ in range(600):
            if not any(scratch.iterdir()):
                break
            import time

            time.sleep(0.05)
        assert not any(scratch.iterdir())
        assert door.run("demo", None, "status").returncode == 2  # the demo is a desk only


def _until_empty(directory) -> None:
    """Until nothing is left in `directory` (a demo's temporary directory removed)."""
    import time

    for _ in range(600):
        if not any(directory.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError(f"left behind: {list(directory.iterdir())}")


async def _ask_end(db_url: str, session_id: int, admin: str) -> None:
    from store.models import Preparer

    store = await Store.open(db_url)
    try:
        [admin_id] = await store.list(Preparer.select(Preparer.id)
                                      .where(Preparer.username == admin).tuples())
        await store.ssh.ask_end(session_id, admin_id[0])
    finally:
        await store.close()


def test_an_admin_ends_a_session_and_the_service_that_holds_it_ends_it(door, db_url, keys,
                                                                        terminals):
    term = terminals("luc").start(door.ssh_args("luc", keys["luc"]))
    term.wait_for("No clients yet")
    [(session_id, _pid, _ended)] = asyncio.run(_sessions(db_url))
    asyncio.run(_ask_end(db_url, session_id, "marie"))  # what the admin's screen does
    assert term.exit_status() == 0
    assert "linkdesk: an administrator ended this session." in term.transcript()
    kinds = [(kind, who, detail) for _at, kind, who, _f, _a, detail in
             asyncio.run(_events(db_url))]
    assert kinds[:2] == [("sign_out", "luc", "ended"), ("ended", "marie", "asked")]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_idle_session_ends_with_a_line(db_url, tmp_path, keys, terminals):
    firm(db_url, {"marie": keys["marie"]})
    # 0.05 minutes: 3 seconds with no key (ssh.idle_minutes takes fractions for this). With
    # no warm process, the session is a new Python (the way every session went before).
    with DoorService(db_url, tmp_path, LINKDESK_SSH_IDLE_MINUTES="0.05",
                     LINKDESK_SSH_WARM="false") as door:
        term = terminals().start(door.ssh_args("marie", keys["marie"]))
        assert term.exit_status() == 0
        assert "linkdesk: session ended after 3 seconds without a key." in term.transcript()
        assert door.proc.poll() is None
    [(_at, kind, who, _f, _a, detail), *_rest] = asyncio.run(_events(db_url))
    assert (kind, who, detail) == ("sign_out", "marie", "ended")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_past_max_sessions_the_next_is_told_to_try_later(db_url, tmp_path, keys, terminals):
    firm(db_url, {"marie": keys["marie"], "luc": keys["luc"]})
    with DoorService(db_url, tmp_path, LINKDESK_SSH_MAX_SESSIONS="1") as door:
        first = terminals("one").start(door.ssh_args("marie", keys["marie"]))
        first.wait_for("No clients yet")
        done = door.run("luc", keys["luc"], "status")
        assert done.returncode == 1 and done.stdout == ""
        assert "every session of the desk is taken; try again in a few minutes" in done.stderr
        second = terminals("two").start(door.ssh_args("luc", keys["luc"]))
        assert second.exit_status() == 1
        assert "every session of the desk is taken" in second.transcript()
        first.send("C-q")
        assert first.exit_status() == 0
        assert door.run("luc", keys["luc"], "status").returncode == 0  # a place again


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_passwords_over_ssh_go_through_the_sign_in_lockout(db_url, tmp_path, keys):
    from store.accounts import LOCK_AFTER
    from tests.helpers import PASSWORD

    firm(db_url, {"marie": keys["marie"]})
    env = askpass(tmp_path)
    # No warm process: `status` runs as a new Python.
    with DoorService(db_url, tmp_path, LINKDESK_SSH_PASSWORDS="true",
                     LINKDESK_SSH_WARM="false") as door:
        def status(password: str):
            return door.run("marie", None, "status", password=True, DOOR_PASSWORD=password,
                            **env)

        done = status(PASSWORD)
        assert done.returncode == 0, done.stderr  # the right password opens the door
        for _ in range(LOCK_AFTER):
            done = status("not the password")
            assert done.returncode == 255 and "Permission denied" in done.stderr
        done = status(PASSWORD)  # locked now, as on the sign-in screen
        assert done.returncode == 255 and "Permission denied" in done.stderr
        assert PASSWORD not in door.log()

    async def signed_in() -> str:
        store = await Store.open(db_url)
        try:
            return (await store.accounts.sign_in("marie", PASSWORD)).reason
        finally:
            await store.close()

    assert asyncio.run(signed_in()) == "locked"  # the same lockout the sign-in screen has


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demos_are_limited_and_leave_nothing_however_they_end(db_url, tmp_path, keys,
                                                               terminals):
    firm(db_url, {"marie": keys["marie"]})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true", LINKDESK_SSH_DEMO_SESSIONS="1",
                     TMPDIR=str(scratch)) as door:
        first = terminals("demo1").start(door.ssh_args("demo", None))
        first.wait_for("A demo firm")
        second = terminals("demo2").start(door.ssh_args("demo", None))
        assert second.exit_status() == 1
        assert "every demo is in use; try again in a few minutes" in second.transcript()
        [(_id, pid, _ended)] = asyncio.run(_sessions(db_url))
        os.kill(pid, signal.SIGKILL)  # a demo killed: its directory goes all the same
        assert first.exit_status() == 1
        _until_empty(scratch)
        third = terminals("demo3").start(door.ssh_args("demo", None))  # its place is free
        third.wait_for("A demo firm")
        assert any(scratch.iterdir())
    # The service stopped with a demo open: the demo ends, says why, and its directory goes.
    assert third.exit_status() == 0
    assert "the service is stopping" in third.transcript()
    _until_empty(scratch)



@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_demo_ends_after_its_minutes_and_leaves_nothing(db_url, tmp_path, keys, terminals):
    firm(db_url, {"marie": keys["marie"]})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    # 0.05 minutes: 3 seconds (ssh.demo_minutes takes fractions for this; 15 by default).
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true", LINKDESK_SSH_DEMO_MINUTES="0.05",
                     TMPDIR=str(scratch)) as door:
        term = terminals("demo").start(door.ssh_args("demo", None))
        assert term.exit_status() == 0
        assert "linkdesk: the demo ends after 3 seconds." in term.transcript()
        _until_empty(scratch)
        assert door.proc.poll() is None
    [(_id, _pid, ended)] = asyncio.run(_sessions(db_url))
    assert ended is not None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_demo_counts_among_max_sessions(db_url, tmp_path, keys, terminals):
    firm(db_url, {"marie": keys["marie"]})
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true",
                     LINKDESK_SSH_MAX_SESSIONS="1") as door:
        desk = terminals("desk").start(door.ssh_args("marie", keys["marie"]))
        desk.wait_for("No clients yet")
        demo = terminals("demo").start(door.ssh_args("demo", None))
        assert demo.exit_status() == 1
        assert "every session of the desk is taken" in demo.transcript()
        desk.send("C-q")
        assert desk.exit_status() == 0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _warm_process(service_pid: int) -> int:
    [warm] = [p for p in _children(service_pid)
              if b"linkdesk.ssh.zygote" in Path(f"/proc/{p}/cmdline").read_bytes()]
    return warm


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sessions_fork_from_the_warm_process_and_go_on_without_it(db_url, tmp_path, keys,
                                                                    terminals):
    firm(db_url, {"marie": keys["marie"], "luc": keys["luc"]})
    with DoorService(db_url, tmp_path, LINKDESK_SMTP_PASSWORD="relay-secret") as door:
        first = terminals("one").start(door.ssh_args("marie", keys["marie"]))
        first.wait_for("No clients yet")
        [(_id, pid, _ended)] = asyncio.run(_sessions(db_url))
        warm = _warm_process(door.proc.pid)
        assert _parent(pid) == warm  # a fork of the process that had imported the desk
        for process in (warm, pid):  # none of the service's environment (its secrets)
            environ = Path(f"/proc/{process}/environ").read_bytes()
            assert b"relay-secret" not in environ and b"LINKDESK_" not in environ
        os.kill(warm, signal.SIGKILL)
        second = terminals("two").start(door.ssh_args("luc", keys["luc"]))
        second.wait_for("No clients yet")  # a new warm process, or a new Python meanwhile
        first.send("a")  # the first session never noticed
        first.wait_for("Individual")
        second.send("C-q")
        assert second.exit_status() == 0
        third = terminals("three").start(door.ssh_args("luc", keys["luc"]))
        third.wait_for("No clients yet")
        pids = [pid for _id, pid, _ended in asyncio.run(_sessions(db_url))]
        assert _parent(pids[2]) == _warm_process(door.proc.pid) != warm  # warm again
        third.send("C-q")
        assert third.exit_status() == 0
        assert door.proc.poll() is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("warm", ["true", "false"])  # a fork, or a new Python
def test_a_demo_is_resized_with_the_window(db_url, tmp_path, keys, terminals, warm):
    firm(db_url, {"marie": keys["marie"]})
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true", LINKDESK_SSH_WARM=warm) as door:
        term = terminals("demo", cols=100, rows=30).start(door.ssh_args("demo", None))
        term.wait_for("A demo firm")
        wide = _key_bar(term.wait_for(" shown of "))
        assert wide.endswith("? Help") and len(wide) > 70  # the key bar at 100 columns
        term.resize(70, 20)
        # Laid out again for 70 columns: its first key and "? Help" on a line that fits (cut
        # or wrapped by the terminal, the old one could not have both).
        first_key = wide.split("  ")[0]
        for _ in range(1200):
            narrow = _key_bar(term.screen())
            if narrow.startswith(first_key) and narrow.endswith("? Help"):
                break
            time.sleep(0.05)
        assert narrow.startswith(first_key) and narrow.endswith("? Help"), term.screen()
        assert len(narrow) <= 70 and narrow.count("  ") < wide.count("  ")  # fewer keys
        term.send("C-q")
        assert term.exit_status() == 0


def _key_bar(screen: str) -> str:
    """The screen's last line that is not blank: the key bar."""
    return [line.rstrip() for line in screen.splitlines() if line.strip()][-1]


# -- a session ends with its service, however the service ends ---------------------------------
# Seen: a `linkdesk demo` started by the door outlived its service by an hour, its terminal and
# its directory gone, spinning at 66 % of a core.

def _processes_under(directory) -> list[int]:
    """Processes whose working directory or open files are under `directory`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            fds = [os.readlink(f"/proc/{entry}/fd/{fd}") for fd in os.listdir(f"/proc/{entry}/fd")]
        except OSError:
            continue
        if any(str(directory) in path for path in (cwd, *fds)):
            found.append(int(entry))
    return found


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("warm", ["true", "false"])
def test_sessions_end_when_their_service_is_killed(db_url, tmp_path, keys, terminals, warm):
    firm(db_url, {"marie": keys["marie"]})
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with DoorService(db_url, tmp_path, LINKDESK_SSH_DEMO="true", LINKDESK_SSH_WARM=warm,
                     TMPDIR=str(scratch)) as door:
        demo = terminals("demo").start(door.ssh_args("demo", None))
        demo.wait_for("A demo firm")
        desk = terminals("desk").start(door.ssh_args("marie", keys["marie"]))
        desk.wait_for("Cabinet Tremblay")
        assert _processes_under(scratch)  # the demo runs in it
        os.kill(door.proc.pid, signal.SIGKILL)
        door.proc.wait()
        deadline = time.monotonic() + 30
        while _processes_under(scratch) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_under(scratch) == [], "a demo outlived its killed service"
