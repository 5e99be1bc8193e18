"""The `linkdesk` command: opens the app, or runs a subcommand for scripts (status, user add)."""

from __future__ import annotations

import argparse
import functools
import getpass
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from linkdesk.i18n import _, fill, ngettext, set_language

EXIT_USAGE = 2
STATUS_CODES = ("not_invited", "sending", "pending", "failed", "expired", "accepted")
EXIT_RUNTIME = 1
EXIT_NO_RELAY = 3
"""`mail check` with no relay set: mail goes to the built-in capture, nothing to check."""
EXIT_NOT_SET = 3
"""`hooks test` with no hooks.url: there is nowhere to send."""


class UsageError(Exception):
    """A flag, URL or file a person gave cannot be used; exit 2 with one line."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line and exits 2, without the usage block; a
    group of commands (`linkdesk mail`) given none says which ones there are."""

    _commands: argparse._SubParsersAction | None = None

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)

    def add_commands(self, dest: str, *, required: bool = True) -> argparse._SubParsersAction:
        """The subcommands of this parser; when `required`, one must be typed."""
        commands = self.add_subparsers(dest=dest, metavar=_("COMMAND"), title=_("commands"),
                                       parser_class=_Parser)
        if required:
            self._commands = commands
        return commands

    def parse_known_args(self, args=None, namespace=None):
        parsed, extras = super().parse_known_args(args, namespace)
        commands = self._commands
        if commands is not None and getattr(parsed, commands.dest, None) is None:
            self.error(_("{group} needs a command: {commands}").format(
                group=self.prog.removeprefix("linkdesk "), commands=", ".join(
                    f"{self.prog} {name}" for name in commands.choices)))
        return parsed, extras


def _run(main_coroutine):
    """asyncio.run, imported when a command needs it (status on SQLite does not)."""
    import asyncio

    return asyncio.run(main_coroutine)


def _tax_year(value: str) -> int:
    try:
        year = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("not a year: {value!r}").format(value=value)) \
            from None
    if not 1900 <= year <= 2999:
        raise argparse.ArgumentTypeError(_("not a plausible tax year: {year}").format(year=year))
    return year


def _options() -> dict[str, argparse.ArgumentParser]:
    """The settings a flag may give, by what they matter to: `base` to every command, `mail`
    to those that send mail, `links` to those that write invitation links, `app` to the
    app alone. A command takes only the sets it uses (its --help shows no other)."""
    base = _Parser(add_help=False)
    base.add_argument(
        "--db", default=argparse.SUPPRESS, metavar="URL",
        help=_("database: file path, sqlite:///PATH or postgresql://user@host:port/db"))
    base.add_argument("--lang", default=argparse.SUPPRESS, choices=("en", "fr"),
                      help=_("language of messages and screens"))
    base.add_argument(
        "--config", default=argparse.SUPPRESS, metavar="FILE",
        help=_("settings file (default: linkdesk.toml in the user config directory, "
               "or LINKDESK_CONFIG)"))
    mail = _Parser(add_help=False)
    mail.add_argument(
        "--smtp", default=argparse.SUPPRESS, metavar="URL",
        help=_("mail relay: smtp://[user@]host[:port], smtp+starttls://..., smtps://..."))
    links = _Parser(add_help=False)
    links.add_argument(
        "--link-base", default=argparse.SUPPRESS, metavar="URL",
        help=_("where invitation links point (default http://127.0.0.1:8765)"))
    app = _Parser(add_help=False)
    app.add_argument(
        "--theme", default=argparse.SUPPRESS, metavar="NAME",
        help=_("colour theme (textual-dark, textual-light, nord, gruvbox, ...)"))
    return {"base": base, "mail": mail, "links": links, "app": app}


def _command(commands, name: str, help: str, options, uses: tuple[str, ...] = (),
             description: str | None = None) -> _Parser:
    """A subcommand with its one-line help (also its description unless it has a longer one)
    and the option sets it uses besides `base`."""
    return commands.add_parser(name, help=help, description=description or help,
                               parents=[options[key] for key in ("base", *uses)])


def build_parser() -> argparse.ArgumentParser:
    """The command line, in the current language (set it first: see cli_argparse)."""
    options = _options()
    parser = _Parser(prog="linkdesk", parents=[options[key] for key in options],
                     description=_("A keyboard-driven desk for tax preparers: clients and "
                                   "their portal invitations. With no command, opens the app."))
    commands = parser.add_commands("command", required=False)
    json_help = _("print the outcome as JSON")
    shown = _command(
        commands, "config", _("every setting in effect and where it came from"), options,
        uses=("mail", "links", "app"),
        description=_("Prints each setting, its value (secrets masked) and where it came from: "
                      "a flag, a LINKDESK_* variable, the settings file, or the default. "
                      "Precedence: flag > environment > file > default."))
    shown.add_argument("--json", action="store_true", help=_("print a JSON object"))
    status = _command(commands, "status", _("counts per invitation status"), options,
                      description=_("Counts the clients per invitation status for a tax year, "
                                    "then how the mail pipeline is doing."))
    status.add_argument("--tax-year", type=_tax_year, metavar="Y", help=_("default: last year"))
    status.add_argument("--json", action="store_true", help=_("print a JSON object"))
    serve = _command(
        commands, "serve", _("the firm's service: page, delivery, reminders"), options,
        uses=("mail", "links"),
        description=_("Runs the acceptance page, mail delivery, reminders and link expiry until "
                      "SIGTERM or Ctrl-C; terminals on the same database then leave the "
                      "pipeline to it. One line per event on stderr (or --log-file)."))
    serve.add_argument("--host", default=argparse.SUPPRESS,
                       help=_("address of the page (127.0.0.1)"))
    serve.add_argument("--port", default=argparse.SUPPRESS, help=_("port of the page (8765)"))
    serve.add_argument("--log-file", default=argparse.SUPPRESS, metavar="FILE",
                       help=_("append events here"))
    serve.add_argument("--ssh-port", default=argparse.SUPPRESS, metavar="P",
                       help=_("open the desk over SSH on this port (preparers' keys)"))
    invite = _command(
        commands, "invite", _("queue invitations (the service sends them)"), options,
        uses=("links",),
        description=_("Queues invitations as the bulk dialog does: each client in its own "
                      "language; inactive clients and those already invited for the year are "
                      "skipped and counted. Exits 1 when an address is no client's."))
    invite.add_argument("emails", nargs="*", metavar="EMAIL",
                        help=_("clients with these addresses"))
    invite.add_argument("--all-not-invited", action="store_true",
                        help=_("every active client not invited for the year"))
    invite.add_argument("--tax-year", type=_tax_year, metavar="Y", help=_("default: last year"))
    invite.add_argument("--json", action="store_true", help=json_help)
    user = _command(commands, "user", _("preparer accounts"), options)
    user_commands = user.add_commands("user_command")
    add = _command(user_commands, "add", _("create a preparer account"),
                   options, description=_("Creates a preparer account; the password is read "
                                          "from the terminal, or from the first line of "
                                          "standard input."))
    add.add_argument("username")
    add.add_argument("--email", required=True)
    add.add_argument("--firm", default="", help=_("firm name, needed for the first account"))
    add.add_argument("--role", choices=("admin", "preparer"), default=None,
                     help=_("admin may change companies' public details (the first account is "
                            "always an admin); default: preparer"))
    from linkdesk.ssh.cli import key_parsers

    key_parsers(user_commands, options, _command)
    imports = _command(commands, "import", _("import clients from CSV"), options)
    clients_in = _command(
        imports.add_commands("import_what"), "clients",
        _("clients from a CSV file (preview, then import)"), options,
        description=_("Columns are recognised from English and French headers (first name / "
                      "prénom, last name / nom, organization / entreprise, email / courriel, "
                      "phone / téléphone, language / langue); --map names any other."))
    clients_in.add_argument("file", type=Path)
    clients_in.add_argument("--map", action="append", default=[], metavar="'TITLE=FIELD'",
                            help=_("read column TITLE as FIELD (first_name, last_name, "
                                   "organization_name, email, phone, language, kind)"))
    clients_in.add_argument("--yes", action="store_true", help=_("import without asking"))
    clients_in.add_argument("--json", action="store_true", help=json_help)
    exports = _command(commands, "export", _("export clients to CSV"), options)
    clients_out = _command(exports.add_commands("export_what"), "clients",
                           _("the client list, as filtered, with statuses"), options)
    clients_out.add_argument("file", type=Path)
    clients_out.add_argument("--tax-year", type=_tax_year, metavar="Y",
                             help=_("default: last year"))
    clients_out.add_argument("--status", choices=STATUS_CODES)
    clients_out.add_argument("--search", metavar="TEXT")
    clients_out.add_argument("--include-inactive", action="store_true")
    mail = _command(commands, "mail", _("the firm's mail relay"), options, uses=("mail",))
    check = _command(
        mail.add_commands("mail_command"), "check",
        _("check the relay: connect, TLS, certificate, login"), options, uses=("mail",),
        description=_("Connects to mail.relay as delivery does, negotiates TLS, checks the "
                      "certificate, logs in and, with --send-to, sends a test message. Each step "
                      "is printed with its result. Exit status: 0 when every step passed, 1 when "
                      "one failed, {code} when no relay is set (mail goes to the built-in "
                      "capture: nothing to check).").format(code=EXIT_NO_RELAY))
    check.add_argument("--send-to", metavar="ADDRESS", help=_("send a test message here"))
    check.add_argument("--json", action="store_true", help=_("print the steps as JSON"))
    hooks = _command(commands, "hooks", _("webhooks to the firm's systems"), options)
    hook_commands = hooks.add_commands("hooks_command")
    tried = _command(
        hook_commands, "test",
        _("send a signed test event to hooks.url now and print the answer"), options,
        description=_("Sends a test event (type hook.test), signed as every event is, to "
                      "hooks.url and prints the receiver's answer. Exit status: 0 when it "
                      "answered 2xx, 1 otherwise, {code} when no receiver is set.").format(
            code=EXIT_NOT_SET))
    tried.add_argument("--json", action="store_true", help=_("print the answer as JSON"))
    _command(hook_commands, "retry",
             _("queue the webhooks the receiver refused again, to be sent now"), options,
             description=_("Events the receiver refused (a 3xx or 4xx other than 408, 425 and "
                           "429) on each of their tries are failed and kept; once the receiver "
                           "is fixed, this queues them again. The service sends them."))
    _command(commands, "demo", _("a throwaway demo firm whose pipeline moves; removed on quit"),
             options, uses=("app",))
    network = _command(commands, "network", _("the business network"), options)
    load = _command(
        network.add_commands("network_command"), "import",
        _("load member companies from a CSV file"), options,
        description=_("Columns: member_id, name, email, phone, website, address, city, region, "
                      "plan, visible. Rows with errors are reported by line and skipped."))
    load.add_argument("file", type=Path)
    load.add_argument("--json", action="store_true", help=json_help)
    _payables_parsers(commands, options)
    return parser


def _iso_date(text: str):
    """An argparse type: a date written YYYY-MM-DD."""
    import argparse
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a date (YYYY-MM-DD)").format(value=text)) from None


def _payables_parsers(commands, options) -> None:
    """company list, bills import|list, invoices export (C: an id, an exact name, or firm)."""
    company_help = _("C: a company id, its exact name, or firm for the firm's own books")
    company = _command(commands, "company", _("companies with books"), options)
    listed = _command(company.add_commands("company_command"), "list",
                      _("every company with books here"), options)
    listed.add_argument("--json", action="store_true", help=_("print them as JSON"))
    bills = _command(commands, "bills", _("bills to review and pay"), options)
    bill_commands = bills.add_commands("bills_command")
    taken = _command(bill_commands, "import",
                     _("UBL 2.1 invoices or credit notes as bills for review"), options)
    taken.add_argument("files", nargs="+", type=Path, metavar="FILE")
    taken.add_argument("--company", required=True, metavar="C", help=company_help)
    taken.add_argument("--json", action="store_true", help=_("print the outcome as JSON"))
    shown = _command(bill_commands, "list", _("a company's bills"), options)
    shown.add_argument("--company", required=True, metavar="C", help=company_help)
    shown.add_argument("--status", metavar="S",
                       help=_("review, scheduled, paid, rejected, duplicate"))
    shown.add_argument("--days", type=int, default=30,
                       help=_("with --status scheduled: how far ahead (default 30)"))
    shown.add_argument("--json", action="store_true", help=_("print them as JSON"))
    taxes = _command(bill_commands, "taxes",
                     _("a period's taxes on bills: GST/HST input tax credits, QST refunds"),
                     options)
    taxes.add_argument("--company", required=True, metavar="C", help=company_help)
    taxes.add_argument("--from", dest="start", required=True, metavar="D",
                       type=_iso_date, help=_("the first issue date counted (YYYY-MM-DD)"))
    taxes.add_argument("--to", dest="end", required=True, metavar="D", type=_iso_date,
                       help=_("the last issue date counted (YYYY-MM-DD)"))
    taxes.add_argument("--json", action="store_true", help=_("print them as JSON"))
    invoices = _command(commands, "invoices", _("sales invoices"), options)
    out = _command(invoices.add_commands("invoices_command"), "export",
                   _("an invoice as a Peppol BIS 3.0 UBL file"), options)
    out.add_argument("number")
    out.add_argument("--company", required=True, metavar="C", help=company_help)
    out.add_argument("--ubl", required=True, type=Path, metavar="FILE", help=_("- for stdout"))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    from linkdesk.cli_argparse import early_language, in_our_language

    argv = sys.argv[1:] if argv is None else list(argv)
    args = None
    try:
        set_language(early_language(argv))  # the help and the errors of argparse are in it
        with in_our_language():
            args = build_parser().parse_args(argv)
        from linkdesk.settings import ConfigError, resolve

        try:
            effective = resolve(vars(args), config_flag=getattr(args, "config", None),
                                on_language=set_language)
        except ConfigError as exc:
            raise UsageError(str(exc)) from None
        settings = effective.settings
        from store.target import DatabaseUrlError, parse_database_url

        try:
            target = parse_database_url(settings.database_url)
        except DatabaseUrlError as exc:
            raise UsageError(f"--db: {exc}") from None
        if args.command == "config":
            return _show_config(effective, args.json)
        if args.command == "mail":
            from linkdesk.cli_mail import mail_check

            return _run(mail_check(settings, args, UsageError, EXIT_NO_RELAY))
        if args.command == "hooks" and args.hooks_command == "retry":
            from linkdesk.hooks.cli import hooks_retry

            return _run(hooks_retry(target, functools.partial(_open_store, must_exist=True)))
        if args.command == "hooks":
            from linkdesk.hooks.cli import hooks_test

            return _run(hooks_test(settings, args, EXIT_NOT_SET))
        if target.is_sqlite:
            _exists(target.location)  # a name no file can have: one line, before anything opens
        # Books a command creates (a firm's first account) are of the configured region.
        open_store = functools.partial(_open_store, region=settings.region)
        if args.command == "status":
            code = run_status(target, args.tax_year, args.json)
        elif args.command == "serve":
            code = _run(_serve(settings, target, args, open_store))
        elif args.command == "invite":
            from linkdesk.cli_invite import invite

            code = _run(invite(target, args, settings, open_store, UsageError))
        elif args.command == "user" and args.user_command == "key":
            from linkdesk.ssh.cli import user_key

            code = _run(user_key(target, args, open_store, UsageError))
        elif args.command == "user":
            code = _run(_user_add(target, args, open_store))
        elif args.command in ("import", "export"):
            from linkdesk import cli_clients

            run = cli_clients.import_clients if args.command == "import" else \
                cli_clients.export_clients
            code = _run(run(target, args, open_store, UsageError))
        elif args.command == "demo":
            from linkdesk.demo import run_demo

            code = _run(run_demo(settings))
        elif args.command == "network":
            from linkdesk.cli_network import network_import

            code = _run(network_import(target, args, open_store, UsageError))
        elif args.command in ("company", "bills", "invoices"):
            from linkdesk import cli_payables

            run = {"company": cli_payables.company_list, "invoices": cli_payables.invoices_export,
                   "bills": {"import": cli_payables.bills_import,
                             "taxes": cli_payables.bills_taxes}.get(
                                 getattr(args, "bills_command", ""), cli_payables.bills_list),
                   }[args.command]
            code = _run(run(target, args, open_store, UsageError))
        else:
            code = _run_app(settings, target)
    except UsageError as exc:
        _say_failure(args, str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `linkdesk status | head`: the reader left, nothing to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        from store.busy import is_store_fault

        if not is_store_fault(exc):
            raise
        # A full disk, an I/O error, a server gone: the command's transaction was rolled back.
        _say_failure(args, _("the database could not do that: {reason}").format(
            reason=str(exc) or type(exc).__name__))
        return EXIT_USAGE
    return code


def _say_failure(args: argparse.Namespace | None, reason: str) -> None:
    """One line on stderr for people; with --json, the same as JSON on stdout for scripts
    that parse it (a cron job's `status --json` with no database reads an error, not nothing)."""
    print(f"linkdesk: {reason}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": reason}))


def _show_config(effective, as_json: bool) -> int:
    """`linkdesk config`: every setting in effect and where it came from; secrets masked."""
    from linkdesk.settings import described
    from linkdesk.ssh.host_key import host_fingerprint

    rows = described(effective)
    path = str(effective.config_file)
    host_key = effective.settings.host_key_path
    fingerprint = host_fingerprint(host_key)  # for a preparer to check on first connect
    if as_json:
        print(json.dumps({"config_file": path, "config_file_found": effective.config_file_found,
                          "settings": {key: {"value": value, "from": origin}
                                       for key, value, origin in rows},
                          "ssh_host_key": {"path": str(host_key),
                                           "fingerprint": fingerprint}}))
        return 0
    found = "" if effective.config_file_found else " " + _("(not present)")
    print(_("Settings file: {path}").format(path=path) + found)
    key_width = max(len(key) for key, _value, _origin in rows)
    value_width = min(max(len(value) for _key, value, _origin in rows), 48)
    for key, value, origin in rows:
        where = _("default") if origin == "default" else \
            origin.replace(path, effective.config_file.name, 1)
        print(f"  {key:<{key_width}}  {value:<{value_width}}  {where}")
    print(_("SSH host key: {fingerprint} ({path})").format(
        fingerprint=fingerprint or _("made when `linkdesk serve` first opens the SSH door"),
        path=host_key))
    return 0


async def _serve(settings, target, args, open_store) -> int:
    """`linkdesk serve`: the firm's service (see linkdesk.service), until SIGTERM or SIGINT."""
    from linkdesk.service import configure_logging, run_service

    try:
        configure_logging(settings.log_file)
    except OSError as exc:
        raise UsageError(_("cannot write the log file {path}: {reason}").format(
            path=settings.log_file, reason=exc.strerror or exc)) from None
    store = await open_store(target, must_exist=True, pool_size=8)
    try:
        return await run_service(settings, store, settings.service_host, settings.service_port)
    except OSError as exc:
        from linkdesk.ssh.server import DoorError

        if not isinstance(exc, DoorError):
            raise
        raise UsageError(_("the SSH door cannot open: {reason}").format(reason=exc)) from None
    finally:
        await store.close()


def _exists(path: str) -> bool:
    """Whether the database file is there; a name no file can have (too long, a loop of
    links, a file where a folder should be) is the person's to change: UsageError."""
    try:
        return Path(path).expanduser().exists()
    except OSError as exc:
        raise UsageError(_("cannot open the database: {reason}").format(reason=exc)) from None


async def _open_store(target, *, must_exist: bool = False, pool_size: int = 1,
                      read_only: bool = False, region: str = "CA"):
    from store import SchemaTooNewError, Store, StoreUnavailableError
    from store.target import DatabaseUrlError

    if must_exist and target.is_sqlite and not _exists(target.location):
        raise UsageError(_("no database at {path} (open linkdesk once to create it)").format(
            path=target.location))
    try:
        return await Store.open(target, pool_size=pool_size, read_only=read_only,
                                region=region)
    except (StoreUnavailableError, SchemaTooNewError, DatabaseUrlError, OSError) as exc:
        raise UsageError(_("cannot open the database: {reason}").format(reason=exc)) from None


def run_status(target, tax_year: int | None, as_json: bool) -> int:
    """`linkdesk status` (also over the SSH door): counts per status, the pipeline's health.

    On SQLite the file is read with the standard library and no event loop (store.sqlite_reader:
    the store's own queries); on PostgreSQL through the async Store."""
    from linkdesk.settings import default_tax_year

    year = tax_year or default_tax_year()
    if target.is_sqlite:
        from store.sqlite_reader import answer

        reader = _open_reader(target)
        try:
            report = answer(_status_report(reader, year))
        finally:
            reader.close()
    else:
        report = _run(_status_from_store(target, year))
    return _print_status(year, *report, as_json=as_json)


async def _status_from_store(target, year: int) -> tuple:
    # Read only: a database on a read-only filesystem (a snapshot, a backup) can be looked at.
    store = await _open_store(target, must_exist=True, read_only=True)
    try:
        return await _status_report(store, year)
    finally:
        await store.close()


async def _status_report(store, year: int) -> tuple:
    """What status says, read from `store` (the async Store or an SQLite reader)."""
    counts = await store.clients.status_counts(await store.firm_id(), year)
    health = await store.pipeline.health()
    hooks = await store.hooks.health()
    sessions = len(await store.ssh.open_sessions())
    return counts, health, hooks, sessions, store.clock()


def _open_reader(target):
    """An SQLite reader of `target`, its schema checked, as `_open_store(read_only=True)`."""
    from store.migrations import SchemaTooNewError
    from store.reads import StoreUnavailableError, describe_failure
    from store.sqlite_reader import SqliteReader, answer
    from store.target import DatabaseUrlError

    if not _exists(target.location):
        raise UsageError(_("no database at {path} (open linkdesk once to create it)").format(
            path=target.location))
    reader = None
    try:
        reader = SqliteReader(target)
        answer(reader.check_schema())
        return reader
    except (StoreUnavailableError, SchemaTooNewError, DatabaseUrlError) as exc:
        reason = str(exc)
    except Exception as exc:  # the file is not a database, cannot be read: as Store.open says
        reason = describe_failure(exc)
    if reader is not None:
        reader.close()
    raise UsageError(_("cannot open the database: {reason}").format(reason=reason))


def _print_status(year: int, counts, health, hooks, sessions: int, now, *,
                  as_json: bool) -> int:
    from store.clients import STATUSES

    total = sum(counts.values())
    age = health.oldest_age_s(now)
    if as_json:
        from linkdesk.hooks.status import hooks_json

        print(json.dumps({"tax_year": year, **counts, "total": total, "pipeline": {
            "waiting": health.waiting, "oldest_waiting_s": None if age is None else round(age),
            "service_alive": health.service is not None,
            "relay_ok": health.relay.ok, "relay_said": health.relay.said,
            "delivery_paused": health.relay.paused, "relay_problem": health.relay.kind},
            "hooks": hooks_json(hooks, now), "ssh_sessions": sessions}))
        return 0
    from linkdesk.labels import status_label  # for people only: not imported for --json

    width = max(len(status_label(s)) for s in STATUSES)
    print(_("Tax year {year}").format(year=year))  # counts stay plain digits for scripts
    for status in STATUSES:
        print(f"  {status_label(status):<{width}}  {counts[status]:>7}")
    total_label = _("Total")
    print(f"  {total_label:<{width}}  {total:>7}")
    for line in _pipeline_lines(health, age):
        print(line)
    from linkdesk.hooks.status import hook_lines

    for line in hook_lines(hooks, now):
        print(line)
    if sessions:
        print(ngettext("{n} session open through the SSH door.",
                       "{n} sessions open through the SSH door.", sessions).format(n=sessions))
    return 0


def _pipeline_lines(health, age: float | None) -> list[str]:
    """The pipeline's health, for people: messages waiting, who sends, the relay's word."""
    lines = ["", _("Messages waiting: {n}").format(n=health.waiting)]
    if age is not None:
        lines[1] += " " + _("(oldest {minutes} min)").format(minutes=round(age / 60))
    if health.service is not None:
        lines.append(_("Sent by the service on {host} (pid {pid}).").format(
            host=health.service.host, pid=health.service.pid))
    else:
        lines.append(_("No service is running: mail goes out while the app is open."))
    if health.relay.paused:
        from linkdesk.labels import relay_advice

        lines.append(_("Delivery paused: the relay said: {said}").format(said=health.relay.said))
        lines.append(relay_advice(health.relay.kind))
        lines.append(_("Every message waits in the queue; delivery resumes by itself."))
    return lines


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(_("Password: "))
        if getpass.getpass(_("Password again: ")) != first:
            raise UsageError(_("the two passwords differ"))
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def _user_add(target, args, open_store) -> int:
    from linkdesk.labels import field_error
    from store import AccountError
    from store.secret import Secret

    password = Secret(_read_password())  # masked in any traceback or log
    store = await open_store(target)
    try:
        try:
            info = await store.accounts.create(args.username, args.email, password, args.firm,
                                               role=args.role)
        except AccountError as exc:
            field, code = next(iter(exc.by_field.items()))
            if code == "firm_differs":
                raise UsageError(fill(_("--firm: this database belongs to {firm}; leave out "
                                        "--firm to add the preparer to it"),
                                      firm=exc.firm_name)) \
                    from None
            flag = {"firm_name": "--firm", "email": "--email"}.get(field, field)
            raise UsageError(f"{flag}: {field_error(code)}") from None
    finally:
        await store.close()
    print(fill(_("Created preparer {name} in {firm}."), name=info.username,
               firm=info.firm_name))
    return 0


def _run_app(settings, target) -> int:
    from tui.app import run_app

    try:
        return _run(run_app(settings, target))
    except Exception as exc:  # the UI is gone by now: say what happened in one line
        from store import SchemaTooNewError, StoreUnavailableError
        from store.target import DatabaseUrlError

        if isinstance(exc, StoreUnavailableError | SchemaTooNewError | DatabaseUrlError):
            raise UsageError(_("cannot open the database: {reason}").format(reason=exc)) from None
        raise
