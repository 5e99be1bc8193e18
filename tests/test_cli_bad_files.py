"""Bad database files: every command says so in one line and exits at once, never hangs."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys

import pytest

from store import Store
from tests.helpers import add_client, make_preparer


def linkdesk(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "linkdesk", *args], input=stdin,
                          capture_output=True, text=True, timeout=30, env=dict(os.environ))


@pytest.fixture(params=["not-a-database", "truncated"])
def bad_db(request, tmp_path):
    path = tmp_path / "bad.db"
    if request.param == "not-a-database":
        path.write_text("name,email\nRoy,roy@example.ca\n" * 200)
    else:
        async def build():
            store = await Store.open(str(path))
            firm = await make_preparer(store)
            for n in range(300):
                await add_client(store, firm.firm_id, organization_name=f"Org {n}",
                                 email=f"o{n}@x.ca")
            await store.close()

        asyncio.run(build())
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    return str(path)


@pytest.mark.parametrize("command", [
    ["status"],
    ["status", "--json"],
    ["user", "add", "carol", "--email", "c@x.ca"],
    ["import", "clients", "{csv}"],
    ["network", "import", "{csv}"],
    ["serve", "--port", "0"],
    [],
])
def test_a_bad_database_is_one_line_and_a_prompt_exit(bad_db, tmp_path, command):
    csv = tmp_path / "in.csv"
    csv.write_text("name,email\nRoy,roy@example.ca\n")
    args = [a.replace("{csv}", str(csv)) for a in command]
    result = linkdesk("--db", bad_db, *args, stdin="correct horse battery\n")
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "database" in lines[0]


@pytest.mark.parametrize("command", [["status"], ["user", "add", "carol", "--email", "c@x.ca"],
                                     ["import", "clients", "x.csv"], []])
def test_db_pointing_at_a_directory_is_one_line(tmp_path, command):
    result = linkdesk("--db", str(tmp_path), *command, stdin="correct horse battery\n")
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "directory" in result.stderr


def test_a_300_character_file_name_is_one_line(tmp_path):
    db = str(tmp_path / "l.db")
    made = linkdesk("--db", db, "user", "add", "marie", "--email", "m@x.ca", "--firm", "F",
                    stdin="correct horse battery\n")
    assert made.returncode == 0, made
    for command in (["import", "clients"], ["export", "clients"], ["network", "import"]):
        result = linkdesk("--db", db, *command, str(tmp_path / ("a" * 300 + ".csv")))
        assert result.returncode == 2, result
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "too long" in result.stderr


def test_user_add_refuses_another_firm_and_names_the_databases_own(tmp_path):
    db = str(tmp_path / "l.db")
    assert linkdesk("--db", db, "user", "add", "marie", "--email", "m@x.ca", "--firm",
                    "Cabinet Tremblay", stdin="correct horse battery\n").returncode == 0
    other = linkdesk("--db", db, "user", "add", "carol", "--email", "c@x.ca", "--firm",
                     "Other Firm", stdin="correct horse battery\n")
    assert other.returncode == 2 and other.stdout == ""
    assert "Cabinet Tremblay" in other.stderr and len(other.stderr.strip().splitlines()) == 1
    same = linkdesk("--db", db, "user", "add", "luc", "--email", "l@x.ca", "--firm",
                    "cabinet tremblay", stdin="correct horse battery\n")
    assert same.returncode == 0 and "Cabinet Tremblay" in same.stdout
    joined = linkdesk("--db", db, "user", "add", "carol", "--email", "c@x.ca",
                      stdin="correct horse battery\n")
    assert joined.returncode == 0


def _disk_full_after(limit_bytes: int):
    """For the child: files cannot grow past `limit_bytes` (EFBIG, as a full disk gives
    ENOSPC); the signal a process gets for it is ignored, as SQLite expects."""
    import resource
    import signal

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return apply


@pytest.mark.parametrize("what", ["clients", "members"])
def test_a_full_disk_during_an_import_is_one_line_and_nothing_is_imported(
        tmp_path, sqlite_url, what):
    import csv

    made = linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@x.ca",
                    "--firm", "Cabinet", stdin="correct horse battery\n")
    assert made.returncode == 0, made.stderr
    source = tmp_path / "in.csv"
    with open(source, "w", newline="", encoding="utf-8") as handle:
        rows = csv.writer(handle)
        if what == "clients":
            rows.writerow(["first name", "last name", "email"])
            rows.writerows([f"Émilie{i}", "Gagnon", f"e{i}@example.com"] for i in range(20_000))
        else:
            rows.writerow(["member_id", "name", "city"])
            rows.writerows([f"m{i}", f"Plomberie {i} inc.", "Laval"] for i in range(20_000))
    command = ["import", "clients", str(source), "--yes"] if what == "clients" else \
        ["network", "import", str(source)]
    done = subprocess.run(
        [sys.executable, "-m", "linkdesk", "--db", sqlite_url, *command], capture_output=True,
        text=True, timeout=120, env=dict(os.environ),
        preexec_fn=_disk_full_after(os.path.getsize(sqlite_url) + 200_000))
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("linkdesk: ") and "disk" in lines[0]
    status = linkdesk("--db", sqlite_url, "status", "--json")
    assert status.returncode == 0
    assert '"total": 0' in status.stdout  # all or nothing: nothing


@pytest.mark.parametrize("content", [
    b"",  # empty
    b"colour,shape\nred,round\n",  # not the directory's header
    b"member_id,name\nm1,Plomberie Roy\nm2,\xff\xfe Gagnon\n",  # not UTF-8 past the first row
], ids=["empty", "wrong-header", "not-utf8"])
@pytest.mark.parametrize("what", ["clients", "members"])
def test_a_file_found_bad_while_importing_is_one_line_and_the_command_exits(
        tmp_path, sqlite_url, what, content):
    """The file is found bad once the import has begun (its run taken, its connection held):
    the run is abandoned on that same connection, one line is printed, and the command ends
    (it used to wait forever for a second connection that the one-connection pool lacks)."""
    made = linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@x.ca",
                    "--firm", "Cabinet", stdin="correct horse battery\n")
    assert made.returncode == 0, made.stderr
    source = tmp_path / "in.csv"
    source.write_bytes(content)
    command = ["import", "clients", str(source), "--yes"] if what == "clients" else \
        ["network", "import", str(source)]
    done = linkdesk("--db", sqlite_url, *command)  # a hang is TimeoutExpired, a failure
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()  # (a client import first shows what it read)
    assert lines[-1].startswith("linkdesk: ") and "Traceback" not in done.stderr, done.stderr


def _obeying_file_modes():
    """For the child, when the tests run as root (whom file modes do not stop): drop the
    capabilities that override them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) from its bounding
    set, so that the program it runs meets a read-only file as any user would."""
    if os.geteuid() != 0:
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop, dac_override, dac_read_search = 24, 1, 2

    def apply() -> None:
        for cap in (dac_override, dac_read_search):
            if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")

    return apply


@pytest.mark.parametrize("command", [
    ["user", "add", "carol", "--email", "c@x.ca"],
    ["network", "import", "{csv}"],
    ["import", "clients", "{csv}", "--yes"],
])
@pytest.mark.parametrize("folder_too", [True, False], ids=["folder-read-only", "file-only"])
def test_a_read_only_database_is_one_line_and_an_exit(tmp_path, command, folder_too):
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "ro.db"
    made = linkdesk("--db", str(db), "user", "add", "marie", "--email", "m@x.ca",
                    "--firm", "Cabinet", stdin="correct horse battery\n")
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(db) as handle:
        handle.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    source = tmp_path / "in.csv"
    source.write_text("member_id,name\nm1,Plomberie Roy\n" if "network" in command
                      else "first name,last name,email\nÉmilie,Gagnon,e@example.com\n")
    for path in folder.iterdir():
        os.chmod(path, 0o444)
    if folder_too:
        os.chmod(folder, 0o555)
    args = [part.replace("{csv}", str(source)) for part in command]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "linkdesk", "--db", str(db), *args],
            input="correct horse battery\n", capture_output=True, text=True, timeout=30,
            env=dict(os.environ), preexec_fn=_obeying_file_modes())
    finally:
        os.chmod(folder, 0o755)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("linkdesk: "), lines
    assert "read-only" in lines[0] or "Permission denied" in lines[0], lines
    status = linkdesk("--db", str(db), "status", "--json")
    assert status.returncode == 0 and '"total": 0' in status.stdout


def test_an_import_killed_midway_leaves_the_directory_as_it_was(tmp_path, sqlite_url):
    """kill -9 while a member import is writing its chunks: the directory is the one before,
    and the next import clears what the killed one left and loads in full."""
    import signal
    import time

    made = linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@x.ca",
                    "--firm", "Cabinet", stdin="correct horse battery\n")
    assert made.returncode == 0, made.stderr
    first = tmp_path / "first.csv"
    first.write_text("member_id,name\nm-old,Plomberie Roy\n", encoding="utf-8")
    assert linkdesk("--db", sqlite_url, "network", "import", str(first)).returncode == 0
    big = tmp_path / "big.csv"
    with open(big, "w", encoding="utf-8") as handle:
        handle.write("member_id,name,city\n")
        handle.writelines(f"m{i},Garage {i} inc.,Laval\n" for i in range(200_000))
    importer = subprocess.Popen([sys.executable, "-m", "linkdesk", "--db", sqlite_url,
                                 "network", "import", str(big)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def hidden_rows() -> int:
        with sqlite3.connect(sqlite_url, timeout=30) as db:
            return db.execute("SELECT COUNT(*) FROM company WHERE import_run IN "
                              "(SELECT id FROM import_run WHERE state = 'loading')").fetchone()[0]

    try:
        deadline = time.monotonic() + 120
        while hidden_rows() < 5000 and importer.poll() is None:
            assert time.monotonic() < deadline, "the import never wrote a chunk"
            time.sleep(0.05)
        assert importer.poll() is None, "the import ended before it could be killed"
        importer.send_signal(signal.SIGKILL)
    finally:
        importer.wait(timeout=30)

    def members() -> list[str]:
        with sqlite3.connect(sqlite_url) as db:
            return [k for (k,) in db.execute(
                "SELECT member_key FROM company WHERE member_key IS NOT NULL AND (import_run "
                "IS NULL OR import_run IN (SELECT id FROM import_run WHERE state = 'live'))")]

    assert members() == ["m-old"]
    status = linkdesk("--db", sqlite_url, "status")
    assert status.returncode == 0, status.stderr
    again = linkdesk("--db", sqlite_url, "network", "import", str(first), "--json")
    assert again.returncode == 0, again.stderr
    assert hidden_rows() == 0
    with sqlite3.connect(sqlite_url) as db:
        assert db.execute("SELECT COUNT(*) FROM company WHERE member_key IS NOT NULL"
                          ).fetchone()[0] == 1  # what the killed import wrote is gone
