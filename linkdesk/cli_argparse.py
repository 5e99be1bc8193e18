"""argparse in the language of linkdesk: its own texts (usage, errors, -h) come from our catalog.

argparse translates through the gettext domain `argparse`, which no system ships in French.
While the command line is built and parsed, `in_our_language()` points argparse's `_` and
`ngettext` at linkdesk's catalog, which holds the messages below; afterwards argparse is as
it was (other code in the same process, such as a test runner, is not affected).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from linkdesk.i18n import N_, _, ngettext

# argparse's messages that a person of linkdesk may read (Python 3.11 to 3.13 wordings).
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("options"),
    N_("positional arguments"),
    N_("show this help message and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("unexpected option string: %s"),
)


def _expected(n: int) -> str:
    """Marks argparse's one plural message for the catalog."""
    return ngettext("expected %s argument", "expected %s arguments", n)


@contextmanager
def in_our_language() -> Iterator[None]:
    """argparse's texts in the current language of linkdesk, for the time of the block."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def early_language(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str:
    """The language, settled before the parser exists (its help and errors are written in it):
    --lang as typed, else LINKDESK_LANG, else the settings file, else the terminal's locale.
    A value that cannot be used is passed over here; the full check reports it later."""
    from linkdesk.i18n import SUPPORTED, pick_language

    env = os.environ if env is None else env
    flag, config = _peek(argv, "--lang"), _peek(argv, "--config")
    for given in (flag, env.get("LINKDESK_LANG", "")):
        if given and given.strip().lower() in SUPPORTED:
            return given.strip().lower()
    try:
        from linkdesk.settings import config_path, read_config_file

        path, named = config_path(config, env)
        in_file = read_config_file(path, named).get("language")
    except (ValueError, OSError):  # ConfigError is a ValueError: resolve() says it later
        in_file = None
    if isinstance(in_file, str) and in_file.strip().lower() in SUPPORTED:
        return in_file.strip().lower()
    return pick_language(None)


def _peek(argv: Sequence[str], flag: str) -> str | None:
    """The last value of `flag` in argv (`--flag V` or `--flag=V`), before `--`."""
    found = None
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == flag and index + 1 < len(argv):
            found = argv[index + 1]
        elif arg.startswith(flag + "="):
            found = arg[len(flag) + 1:]
    return found
