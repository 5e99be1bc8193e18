"""One settings file: precedence flag > environment > linkdesk.toml > default, one clear line
for a bad key or value, secrets from files and never printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from linkdesk.settings import ConfigError, default_config_path, described, resolve

SECRET = "pa ss:w/rd@1"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def settings_file(tmp_path) -> Path:
    return write(tmp_path / "linkdesk.toml", """
database = "postgresql://linkdesk@db.firm.ca:5432/linkdesk"
language = "fr"
[mail]
relay = "smtp+starttls://invitations@relay.firm.ca"
connections = 12
[links]
days = 14
""")


def test_each_setting_comes_from_the_strongest_place(settings_file):
    flags = {"smtp": "smtps://flag@relay.firm.ca"}
    env = {"LINKDESK_SMTP": "smtp://env@relay.firm.ca", "LINKDESK_SMTP_CONNECTIONS": "6",
           "LINKDESK_LINK_DAYS": ""}  # an empty variable is not a setting
    effective = resolve(flags, env, str(settings_file))
    s, origins = effective.settings, effective.origins
    assert s.smtp_url == "smtps://flag@relay.firm.ca" and origins["mail.relay"] == "--smtp"
    assert s.smtp_connections == 6 and origins["mail.connections"] == "LINKDESK_SMTP_CONNECTIONS"
    assert s.link_days == 14 and origins["links.days"] == f"{settings_file}: links.days"
    assert s.language == "fr" and s.db_url.endswith("/linkdesk")
    assert s.sender_address == "invitations@linkdesk.localhost"
    assert origins["mail.from"] == "default"

    without_flag = resolve({}, env, str(settings_file)).settings
    assert without_flag.smtp_url == "smtp://env@relay.firm.ca"
    only_file = resolve({}, {}, str(settings_file)).settings
    assert only_file.smtp_url == "smtp+starttls://invitations@relay.firm.ca"
    assert only_file.smtp_connections == 12


def test_the_default_file_is_read_when_present_and_optional_when_not(tmp_path):
    assert resolve({}, {}).settings.link_days == 30  # no file: defaults, no error
    write(default_config_path(), "[links]\ndays = 7\n")
    assert default_config_path().is_relative_to(tmp_path)  # the test's own config directory
    assert resolve({}, {}).settings.link_days == 7
    other = write(tmp_path / "other.toml", "[links]\ndays = 9\n")
    assert resolve({}, {"LINKDESK_CONFIG": str(other)}).settings.link_days == 9


@pytest.mark.parametrize(("text", "expected"), [
    ("[mail]\nrelais = 'smtp://x'\n", "mail.relais: unknown setting (did you mean mail.relay?)"),
    ("colour = 'blue'\n", "colour: unknown setting"),
    ("[mail]\nconnections = 99\n", "mail.connections: must be from 1 to 32, got 99"),
    ("[links]\ndays = 'soon'\n", "links.days: not a whole number: 'soon'"),
    ("[links]\ndays = true\n", "links.days: not a whole number: True"),
    ("[mail]\nrelay = 'ftp://x'\n", "mail.relay: unsupported mail relay scheme 'ftp'"),
    ("[mail]\nfrom = 'not an address'\n", "mail.from: not an email address"),
    ("database = 'mysql://x/y'\n", "database: unsupported database scheme 'mysql'"),
    ("[service]\ntrusted_proxies = ['10.0.0.0/8', 'proxy']\n",
     "service.trusted_proxies: not an address or network: 'proxy'"),
    ("[mail]\npassword = 'hunter2'\n", "mail.password: a secret is not written in the settings"),
    ("language = 'de'\n", "language: expected en or fr, got 'de'"),
    ("[links]\nportal = 'javascript:alert(1)'\n", "links.portal: expected https://host"),
    ("[links]\nportal = 'http://portal.firm.ca'\n", "links.portal: expected https://host"),
])
def test_a_bad_key_or_value_is_one_line_naming_the_file_and_key(tmp_path, text, expected):
    path = write(tmp_path / "linkdesk.toml", text)
    with pytest.raises(ConfigError) as caught:
        resolve({}, {}, str(path))
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message and "hunter2" not in message


def test_a_file_that_is_not_toml_or_not_there(tmp_path):
    broken = write(tmp_path / "broken.toml", "[mail\nrelay = 1\n")
    with pytest.raises(ConfigError, match=r"broken.toml: not valid TOML: .*line 1"):
        resolve({}, {}, str(broken))
    with pytest.raises(ConfigError, match="no such settings file"):
        resolve({}, {}, str(tmp_path / "missing.toml"))
    with pytest.raises(ConfigError, match="LINKDESK_LINK_DAYS: not a whole number"):
        resolve({}, {"LINKDESK_LINK_DAYS": "soon"})


def test_secrets_come_from_files_and_are_never_shown(tmp_path):
    secret_file = write(tmp_path / "relay-password", SECRET + "\n")
    path = write(tmp_path / "linkdesk.toml",
                 f"database = 'postgresql://linkdesk@db.firm.ca/linkdesk'\n"
                 f"database_password_file = '{secret_file}'\n"
                 f"[mail]\nrelay = 'smtps://invitations@relay.firm.ca'\n"
                 f"password_file = '{secret_file}'\n")
    effective = resolve({}, {}, str(path))
    s = effective.settings
    assert s.smtp_password == SECRET and s.db_password == SECRET
    assert effective.origins["mail.password"] == f"{path}: mail.password_file"
    assert "linkdesk:pa%20ss%3Aw%2Frd%401@db.firm.ca" in s.database_url
    assert SECRET not in repr(s)
    shown = " ".join(" ".join(row) for row in described(effective))
    assert SECRET not in shown and "pa%20ss" not in shown and "*** (set)" in shown

    env_file = resolve({}, {"LINKDESK_SMTP_PASSWORD_FILE": str(secret_file)}).settings
    assert env_file.smtp_password == SECRET
    assert resolve({}, {"LINKDESK_SMTP_PASSWORD": "direct",
                        "LINKDESK_SMTP_PASSWORD_FILE": str(secret_file)}).settings \
        .smtp_password == "direct"
    with pytest.raises(ConfigError, match=r"LINKDESK_SMTP_PASSWORD_FILE: cannot read .*nope"):
        resolve({}, {"LINKDESK_SMTP_PASSWORD_FILE": str(tmp_path / "nope")})
    write(tmp_path / "empty", "\n")
    with pytest.raises(ConfigError, match=r"mail\.password_file: .*empty is empty"):
        resolve({}, {}, str(write(tmp_path / "e.toml",
                                  f"[mail]\npassword_file = '{tmp_path / 'empty'}'\n")))


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "linkdesk", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_linkdesk_config_prints_every_setting_and_its_origin(tmp_path):
    secret_file = write(tmp_path / "pw", SECRET)
    path = write(tmp_path / "firm.toml",
                 f"[mail]\nrelay = 'smtps://invitations@relay.firm.ca'\n"
                 f"password_file = '{secret_file}'\n[links]\ndays = 14\n")
    done = run("config", "--config", str(path), "--theme", "nord",
               env={"LINKDESK_SMTP_CONNECTIONS": "6", "LINKDESK_DB_PASSWORD": SECRET})
    assert done.returncode == 0, done.stderr
    assert SECRET not in done.stdout + done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()[1:]}
    assert lines["theme"].split()[1:] == ["nord", "--theme"]
    assert lines["mail.connections"].split()[1:] == ["6", "LINKDESK_SMTP_CONNECTIONS"]
    assert lines["links.days"].split()[1:] == ["14", "firm.toml:", "links.days"]
    assert lines["mail.password"].split()[1:] == ["***", "(set)", "firm.toml:",
                                                  "mail.password_file"]
    assert lines["database_password"].split()[-1] == "LINKDESK_DB_PASSWORD"
    assert lines["mail.from"].split()[1:] == ["invitations@linkdesk.localhost", "default"]

    as_json = json.loads(run("config", "--json", "--config", str(path)).stdout)
    assert as_json["config_file"] == str(path) and as_json["config_file_found"]
    assert as_json["settings"]["links.days"] == {"value": "14", "from": f"{path}: links.days"}


def test_a_bad_settings_file_stops_every_command_with_one_line(tmp_path):
    path = write(tmp_path / "linkdesk.toml", "[mail]\nconnections = 'many'\n")
    for args in (["status"], ["serve"], ["config"], []):
        done = run(*args, "--config", str(path))
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip() == (f"linkdesk: {path}: mail.connections: "
                                       "not a whole number: 'many'")


def test_the_language_of_the_file_is_the_language_of_every_message(tmp_path):
    path = write(tmp_path / "linkdesk.toml", "language = 'fr'\n[links]\nbase = 'ftp://x'\n")
    done = run("status", "--config", str(path))
    assert done.returncode == 2
    assert "links.base: attendu http(s)://" in done.stderr


def test_the_firms_portal_is_a_setting_shown_with_where_it_came_from(tmp_path):
    path = write(tmp_path / "linkdesk.toml", "[links]\nportal = 'https://portail.tremblay.ca/'\n")
    resolved = resolve({}, {}, str(path))
    assert resolved.settings.portal_url == "https://portail.tremblay.ca/"
    assert resolved.origins["links.portal"] == f"{path}: links.portal"
    assert resolve({}, {}).settings.portal_url == ""


def test_every_setting_name_is_reached_from_linkdesk_settings():
    """One face for the settings: each name listed loads from its part, and no part's name is
    left out of the list."""
    import linkdesk.settings as settings

    assert set(settings.__all__) == set(settings._PART)
    for name in settings.__all__:
        assert getattr(settings, name) is not None
