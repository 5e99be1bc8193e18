"""Cleaning of text people type, so stored values never carry terminal control codes."""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls (ESC included), DEL, zero-width and bidirectional overrides:
# none of them belong in a name, and several can move or restyle a terminal.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str:
    """Return `value` NFC-normalised, without control characters, on one line, trimmed."""
    if not value:
        return ""
    if value.isprintable():  # the usual case: no controls, and ' ' is the only whitespace
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        return " ".join(value.split())
    value = unicodedata.normalize("NFC", value)
    value = _CONTROLS.sub(" ", value)
    return _SPACES.sub(" ", value).strip()


def username_key(username: str) -> str:
    """A username as it is looked up: sign-in and the SSH door's keys ignore its case."""
    return username.casefold()


def fold(value: str) -> str:
    """Return a case- and accent-insensitive form of `value` for searching and sorting."""
    if value.isascii():
        return value.lower()  # casefold() and lower() agree on ASCII
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold().replace("œ", "oe").replace("æ", "ae")


def like_pattern(term: str) -> str:
    """Return a LIKE pattern matching `term` anywhere, with LIKE's wildcards escaped by `\\`."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def clean_lines(value: str | None) -> str:
    """Like clean_text, line by line: notes keep their line breaks, nothing else."""
    if not value:
        return ""
    lines = [clean_text(line) for line in value.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip("\n")
