"""Key names as the preparer's language writes them: one word per key, the same everywhere."""

from __future__ import annotations

from linkdesk.i18n import N_, _

# Textual's displays that are words (its symbols, ⏎ ↑ ^s, need none): in French, "échap" in
# the key line, help and the palette alike, as help's own sentence says it.
WORDS = {"esc": N_("esc"), "space": N_("space")}


def key_name(display: str) -> str:
    """`display` (Textual's, or a binding's own) in the current language."""
    return "+".join(_(WORDS[part]) if part in WORDS else part for part in display.split("+"))
