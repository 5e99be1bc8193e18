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
