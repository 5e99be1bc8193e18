"""The command line as scripts use it: real processes, exit statuses, stdout and stderr."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from store import ACCEPTED, PENDING, Store
from tests.helpers import add_client, make_preparer, set_status


def linkdesk(*args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "linkdesk", *args],
        input=stdin, capture_output=True, text=True, timeout=60, env=full_env,
    )


def one_line_error(result: subprocess.CompletedProcess, status: int = 2) -> str:
    assert result.returncode == status, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


async def _populate(url: str) -> None:
    store = await Store.open(url)
    try:
        firm = await make_preparer(store)
        ids = [await add_client(store, firm.firm_id, organization_name=f"Org {i}",
                                email=f"o{i}@x.ca") for i in range(6)]
        await set_status(store, ids[0], 2024, PENDING)
        await set_status(store, ids[1], 2024, PENDING)
        await set_status(store, ids[2], 2024, ACCEPTED)
        await set_status(store, ids[3], 2023, ACCEPTED)
    finally:
        await store.close()


def test_status_json_and_text(sqlite_url):
    asyncio.run(_populate(sqlite_url))
    result = linkdesk("status", "--db", sqlite_url, "--tax-year", "2024", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "tax_year": 2024, "not_invited": 3, "sending": 0, "pending": 2, "failed": 0,
        "expired": 0, "accepted": 1, "total": 6, "pipeline": {
            "waiting": 0, "oldest_waiting_s": None, "service_alive": False,
            "relay_ok": None, "relay_said": "", "delivery_paused": False,
            "relay_problem": None}, "hooks": {
            "queue": 0, "oldest_waiting_s": None, "last_status": None, "last_error": None,
            "last_at": None}, "ssh_sessions": 0}
    text = linkdesk("--db", sqlite_url, "status", "--tax-year", "2023")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0] == "Tax year 2023"
    assert lines[8:] == ["", "Messages waiting: 0",
                         "No service is running: mail goes out while the app is open."]
    assert [line.split() for line in lines[1:8]] == [
        ["Not", "invited", "5"],
        ["Sending", "invitation", "0"],
        ["Invitation", "pending", "0"],
        ["Delivery", "failed", "0"],
        ["Invitation", "expired", "0"],
        ["Invitation", "accepted", "1"],
        ["Total", "6"],
    ]


def test_status_defaults_to_last_year_and_reads_linkdesk_db(sqlite_url):
    asyncio.run(_populate(sqlite_url))
    import datetime as dt

    result = linkdesk("status", "--json", env={"LINKDESK_DB": f"sqlite://{sqlite_url}"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["tax_year"] == dt.date.today().year - 1


@pytest.mark.postgres
def test_status_on_postgresql(pg_database):
    from tests.conftest import _reset_pg

    asyncio.run(_reset_pg(pg_database))
    asyncio.run(_populate(pg_database))
    result = linkdesk("status", "--db", pg_database, "--tax-year", "2024", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pending"] == 2


def test_user_add_reads_password_from_stdin(sqlite_url):
    result = linkdesk("user", "add", "marie", "--email", "marie@example.com", "--firm",
                      "Cabinet Tremblay", "--db", sqlite_url, stdin="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    assert "marie" in result.stdout

    async def check():
        store = await Store.open(sqlite_url)
        try:
            return (await store.accounts.sign_in("marie", "correct horse battery")).ok
        finally:
            await store.close()

    assert asyncio.run(check())


def test_user_add_bad_input_is_one_line(sqlite_url):
    short = linkdesk("user", "add", "marie", "--email", "m@example.com", "--firm", "F",
                     "--db", sqlite_url, stdin="short\n")
    assert "password" in one_line_error(short)
    bad_email = linkdesk("user", "add", "marie", "--email", "nope", "--firm", "F",
                         "--db", sqlite_url, stdin="correct horse battery\n")
    assert "--email" in one_line_error(bad_email)
    missing_email = linkdesk("user", "add", "marie", "--db", sqlite_url)
    assert "--email" in one_line_error(missing_email)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["status", "--tax-year", "soon"], "not a year"),
        (["status", "--db", "mysql://root@localhost/x"], "unsupported database scheme"),
        (["status", "--db", "sqlite://relative.db"], "sqlite:///PATH"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_flags_and_urls_exit_2_with_one_line(args, expected):
    assert expected in one_line_error(linkdesk(*args))


def test_missing_database_file_is_one_line(tmp_path):
    line = one_line_error(linkdesk("status", "--db", str(tmp_path / "absent.db")))
    assert "no database at" in line


@pytest.mark.parametrize("args", [
    ["status", "--json"], ["company", "list", "--json"],
    ["status", "--json", "--tax-year", "2024"]])
def test_json_asked_gets_json_when_it_cannot_start(tmp_path, args):
    """A script that parses stdout gets JSON saying what went wrong, and the line on stderr."""
    result = linkdesk(*args, "--db", str(tmp_path / "absent.db"))
    assert result.returncode == 2, result
    assert "no database at" in json.loads(result.stdout)["error"]
    assert "no database at" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_postgresql_is_one_line():
    line = one_line_error(linkdesk("status", "--db", "postgresql://nobody@127.0.0.1:1/none"))
    assert "cannot open the database" in line


def test_app_with_unreachable_database_is_one_line():
    line = one_line_error(linkdesk("--db", "postgresql://nobody@127.0.0.1:1/none"))
    assert "cannot open the database" in line


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["mail", "check", "--smtp", "ftp://x"], {}, "--smtp: unsupported mail relay scheme"),
        (["invite", "--link-base", "javascript:alert(1)"], {}, "--link-base: expected"),
        (["status"], {"LINKDESK_FROM": "not an address"}, "LINKDESK_FROM"),
    ],
)
def test_bad_mail_settings_exit_2(args, env, expected):
    assert expected in one_line_error(linkdesk(*args, env=env))


def test_bad_link_days_exit_2():
    assert "LINKDESK_LINK_DAYS" in one_line_error(
        linkdesk("status", env={"LINKDESK_LINK_DAYS": "soon"}))


def test_import_and_export_clients_from_the_command_line(sqlite_url, tmp_path):
    linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@example.com",
             "--firm", "Cabinet", stdin="correct horse battery\n")
    source = tmp_path / "in.csv"
    source.write_text("Prénom;Nom;Courriel\nÉmilie;Gagnon;emilie@example.com\nJean;;j@x.ca\n",
                      encoding="utf-8")
    asked = linkdesk("--db", sqlite_url, "import", "clients", str(source))  # not a terminal
    assert asked.returncode == 1 and "Nothing imported" in asked.stderr
    assert "1 client to add; 1 row with errors" in asked.stdout and "line 3" in asked.stdout
    done = linkdesk("--db", sqlite_url, "import", "clients", str(source), "--yes", "--json")
    assert done.returncode == 1  # a row was skipped
    assert json.loads(done.stdout)["added"] == 1
    out = tmp_path / "out.csv"
    exported = linkdesk("--db", sqlite_url, "export", "clients", str(out), "--status",
                        "not_invited")
    assert exported.returncode == 0, exported.stderr
    assert "Émilie,Gagnon" in out.read_text(encoding="utf-8-sig")
    unknown = linkdesk("--db", sqlite_url, "import", "clients", str(source), "--map", "X=email")
    assert "no column 'X'" in one_line_error(unknown)
    missing = linkdesk("--db", sqlite_url, "import", "clients", str(tmp_path / "nope.csv"))
    assert "nope.csv" in one_line_error(missing)


def test_an_export_that_cannot_be_written_whole_leaves_the_last_one_as_it_was(
        sqlite_url, tmp_path):
    """An export to a full disk left an empty export.csv. The disk is full here as the system
    says so: a file size limit (RLIMIT_FSIZE) that the export passes, not the database."""
    import resource
    import signal

    linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@example.com",
             "--firm", "Cabinet", stdin="correct horse battery\n")
    source = tmp_path / "in.csv"
    source.write_text("first name,last name,email\n" + "".join(
        f"Client{i},Roy{'x' * 60},c{i}@example.com\n" for i in range(1500)), encoding="utf-8")
    done = linkdesk("--db", sqlite_url, "import", "clients", str(source), "--yes")
    assert done.returncode == 0, done.stderr
    out = tmp_path / "export.csv"
    out.write_text("the last good export\n", encoding="utf-8")

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    full = subprocess.run([sys.executable, "-m", "linkdesk", "--db", sqlite_url, "export",
                           "clients", str(out)], capture_output=True, text=True, timeout=60,
                          preexec_fn=small_disk)
    assert full.returncode != 0 and "Traceback" not in full.stderr, full.stderr
    assert "export.csv" in full.stderr
    assert out.read_text(encoding="utf-8") == "the last good export\n"
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def _read_only(directory) -> list[str]:
    """A command prefix that runs the rest with `directory` mounted read-only over itself, in
    a mount namespace of its own: what a read-only filesystem is, even to root (who writes
    through chmod). Skips when this system cannot make one."""
    import shutil

    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare(1)")
    prefix = [unshare, "-m"] if os.geteuid() == 0 else [unshare, "-rm"]
    prefix += ["sh", "-c", 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && '
                           'shift && exec "$@"', "sh", str(directory)]
    probe = subprocess.run([*prefix, "sh", "-c", f'! touch "{directory}/probe"'],
                           capture_output=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"cannot mount read-only here: {probe.stderr.decode()[-200:]}")
    return prefix


@pytest.mark.parametrize("writer_open", [False, True], ids=["closed", "service-running"])
def test_status_reads_a_database_on_a_read_only_filesystem(tmp_path, writer_open):
    """`linkdesk status` on a read-only filesystem said "cannot open the database: ...:
    Read-only file system": it made the file private and set the journal mode first. A
    database closed cleanly (no -wal) and one whose writer still has changes in its -wal
    (a snapshot of a running desk) are both read as they are."""
    import sqlite3

    folder = tmp_path / "desk"
    folder.mkdir()
    db = folder / "linkdesk.db"
    asyncio.run(_populate(str(db)))
    writer = None
    if writer_open:  # a change the -wal holds, not yet in the file
        writer = sqlite3.connect(db, isolation_level=None)
        writer.execute("PRAGMA wal_autocheckpoint=0")
        writer.execute("UPDATE client_year_status SET status = 'accepted' WHERE client_id = "
                       "(SELECT MIN(client_id) FROM client_year_status WHERE tax_year = 2024 "
                       "AND status = 'pending')")
        assert (folder / "linkdesk.db-wal").stat().st_size > 0
    try:
        before = sorted(p.name for p in folder.iterdir())
        result = subprocess.run(
            [*_read_only(folder), sys.executable, "-m", "linkdesk", "status", "--db", str(db),
             "--tax-year", "2024", "--json"], capture_output=True, text=True, timeout=60)
    finally:
        if writer is not None:
            writer.close()
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert (counts["pending"], counts["accepted"]) == ((1, 2) if writer_open else (2, 1))
    assert counts["total"] == 6
    if not writer_open:
        assert before == ["linkdesk.db"]  # nothing was made beside it (nor could be)


async def test_a_scripts_invitation_signs_once_and_replies_reach_the_firm(sqlite_url):
    """`linkdesk invite` signed "Cabinet Tremblay & Fils" twice (the firm's name passed as the
    preparer's) and a reply went to the sender address, not the firm's public email."""
    from email import message_from_bytes
    from email.policy import default

    from store.models import Outbox
    from store.validate import Details

    store = await Store.open(sqlite_url)
    try:
        firm = await make_preparer(store, firm="Cabinet Tremblay & Fils")
        books = await store.network.firm_books(firm.firm_id)
        await store.network.update_profile(
            books, Details("Cabinet Tremblay & Fils", "bonjour@tremblay.ca"), by=firm.id)
        await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                         email="emilie@example.com", language="fr")
    finally:
        await store.close()
    done = await asyncio.to_thread(linkdesk, "--db", sqlite_url, "invite", "emilie@example.com",
                                   env={"LINKDESK_FROM": "portail@tremblay.ca"})
    assert done.returncode == 0, done.stderr
    store = await Store.open(sqlite_url)
    try:
        raw = await store.scalar(Outbox.select(Outbox.raw))
    finally:
        await store.close()
    message = message_from_bytes(bytes(raw), policy=default)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.count("Cabinet Tremblay & Fils") == 2  # the greeting's sentence and one signature
    assert "Merci,\nCabinet Tremblay & Fils\n" in text
    assert message["Reply-To"].addresses[0].addr_spec == "bonjour@tremblay.ca"
    assert message["From"].addresses[0].display_name == "Cabinet Tremblay & Fils"
    # An address that is no client's: said, and the exit status says it too (a cron job).
    typo = await asyncio.to_thread(linkdesk, "--db", sqlite_url, "invite", "emilei@example.com",
                                   "--json")
    assert typo.returncode == 1, typo
    assert json.loads(typo.stdout)["unknown_addresses"] == ["emilei@example.com"]
