"""How the command line talks to a person: what to type, one-line descriptions, only the
options a command uses, bad file names, exit statuses, and French (real processes)."""

from __future__ import annotations

import re

import pytest

from tests.test_cli import linkdesk, one_line_error

GROUPS = {  # a group of commands, and what its message must propose
    "user": ["linkdesk user add"],
    "import": ["linkdesk import clients"],
    "export": ["linkdesk export clients"],
    "mail": ["linkdesk mail check"],
    "network": ["linkdesk network import"],
    "company": ["linkdesk company list"],
    "bills": ["linkdesk bills import", "linkdesk bills list"],
    "invoices": ["linkdesk invoices export"],
}
COMMANDS = [
    ["config"], ["status"], ["serve"], ["invite"], ["demo"], *([g] for g in GROUPS),
    ["user", "add"], ["import", "clients"], ["export", "clients"], ["mail", "check"],
    ["network", "import"], ["company", "list"], ["bills", "import"], ["bills", "list"],
    ["invoices", "export"],
]
LONG_NAME = "a" * 300


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_a_group_without_its_command_says_what_to_type(group):
    line = one_line_error(linkdesk(group))
    for command in GROUPS[group]:
        assert command in line
    assert not re.search(r"\b\w+_(command|what)\b", line), line  # no argparse dest names


def test_an_unknown_command_names_no_internal_name():
    line = one_line_error(linkdesk("mail", "chek"))
    assert "'check'" in line and "mail_command" not in line


def test_mail_check_without_a_relay_is_not_a_usage_error(tmp_path):
    result = linkdesk("mail", "check", env={"LINKDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 3, result
    assert result.stdout == ""
    assert "built-in capture" in result.stderr and "no relay" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "3 when no relay is set" in " ".join(linkdesk("mail", "check", "--help").stdout.split())


def _description(help_text: str) -> str:
    """The paragraph between the usage block and the first section of --help."""
    blocks = help_text.split("\n\n")
    assert blocks[0].startswith(("usage:", "utilisation :")), help_text
    return blocks[1] if not blocks[1].rstrip().endswith(":") else ""


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_a_description_and_only_its_options(command):
    result = linkdesk(*command, "--help")
    assert result.returncode == 0, result
    assert _description(result.stdout).strip(), result.stdout
    options = set(re.findall(r"(?m)^  (--[a-z-]+)", result.stdout))
    assert {"--db", "--lang", "--config"} <= options
    assert ("--theme" in options) == (command[0] in ("config", "demo")), command
    sends_mail = command[0] in ("config", "serve", "mail")
    assert ("--smtp" in options) == sends_mail, command


def test_options_of_the_app_are_refused_where_they_mean_nothing(sqlite_url):
    line = one_line_error(linkdesk("status", "--db", sqlite_url, "--theme", "nord"))
    assert "unrecognized arguments: --theme nord" in line
    assert "--smtp" in one_line_error(linkdesk("status", "--smtp", "smtp://relay.example"))


def test_global_options_work_before_and_after_the_command(sqlite_url):
    linkdesk("--db", sqlite_url, "user", "add", "marie", "--email", "m@example.com",
             "--firm", "Cabinet", stdin="correct horse battery\n")
    for args in (["--db", sqlite_url, "status"], ["status", "--db", sqlite_url],
                 ["--db", sqlite_url, "mail", "--lang", "en", "check", "--smtp", "ftp://x"]):
        result = linkdesk(*args)
        assert "Traceback" not in result.stderr
        if "mail" not in args:
            assert result.returncode == 0, result
    assert "--smtp: unsupported" in one_line_error(linkdesk(
        "--db", sqlite_url, "mail", "--smtp", "ftp://x", "check"))


@pytest.mark.parametrize("command", [
    ["status"], ["serve", "--port", "0"], ["invite", "x@example.com"],
    ["import", "clients", "{csv}"], ["export", "clients", "{csv}"], ["user", "add", "carol",
                                                                       "--email", "c@x.ca"],
    [],
], ids=lambda c: " ".join(c) or "app")
def test_a_database_name_too_long_is_one_line(tmp_path, command):
    csv = tmp_path / "in.csv"
    csv.write_text("name,email\nRoy,roy@example.ca\n")
    args = [a.replace("{csv}", str(csv)) for a in command]
    line = one_line_error(linkdesk("--db", str(tmp_path / LONG_NAME), *args,
                                   stdin="correct horse battery\n"))
    assert "cannot open the database" in line


def test_a_log_file_name_too_long_is_one_line(tmp_path):
    line = one_line_error(linkdesk("serve", "--db", str(tmp_path / "x.db"), "--port", "0",
                                   "--log-file", str(tmp_path / LONG_NAME)))
    assert "cannot write the log file" in line


@pytest.mark.parametrize("how", ["flag", "flag=", "environment", "settings file"])
def test_help_and_argument_errors_are_in_french(tmp_path, how):
    args, env = [], {}
    if how == "flag":
        args = ["--lang", "fr"]
    elif how == "flag=":
        args = ["--lang=fr"]
    elif how == "environment":
        env = {"LINKDESK_LANG": "fr"}
    else:
        config = tmp_path / "linkdesk.toml"
        config.write_text('language = "fr"\n', encoding="utf-8")
        env = {"LINKDESK_CONFIG": str(config)}
    shown = linkdesk("status", *args, "--help", env=env)
    assert shown.returncode == 0
    assert shown.stdout.startswith("utilisation\u00a0: linkdesk status")
    assert "afficher ce message d'aide et quitter" in shown.stdout
    assert "par défaut\u00a0: l'an dernier" in shown.stdout
    assert "usage:" not in shown.stdout and "show this help" not in shown.stdout
    assert "arguments non reconnus\u00a0: --bogus" in one_line_error(
        linkdesk("status", *args, "--bogus", env=env))
    assert "les arguments suivants sont requis\u00a0: --email" in one_line_error(
        linkdesk("user", "add", "x", *args, env=env))
    assert "choix invalide\u00a0: 'nope'" in one_line_error(
        linkdesk(*args, "nope", env=env))
    assert "mail demande une commande\u00a0: linkdesk mail check" in one_line_error(
        linkdesk(*args, "mail", env=env))
    assert "année d'imposition" in one_line_error(
        linkdesk("status", "--tax-year", "12", *args, env=env))


def test_the_flag_outranks_the_environment_for_the_help():
    shown = linkdesk("--lang", "en", "status", "--help", env={"LINKDESK_LANG": "fr"})
    assert shown.stdout.startswith("usage: linkdesk status")
