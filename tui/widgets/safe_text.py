"""Stored values as plain text for the screen: never parsed as markup, no control codes."""

from __future__ import annotations

from rich.text import Text

from store.text import clean_text


def plain(value: object, style: str = "") -> Text:
    """`value` as literal text: brackets stay brackets and escape codes are dropped."""
    return Text(clean_text(str(value)) if value is not None else "", style=style, no_wrap=True)
