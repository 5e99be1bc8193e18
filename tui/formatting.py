"""Numbers and dates written the way the preparer's locale writes them (Babel); cells cut
to a column's width with an ellipsis."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import TYPE_CHECKING

from linkdesk.i18n import babel_locale

if TYPE_CHECKING:
    from rich.text import Text


@cache
def _numbers():
    from babel import numbers

    return numbers


def format_count(n: int) -> str:
    """1200 → "1,200" in English, "1 200" in French."""
    return _numbers().format_decimal(n, locale=babel_locale())


def format_datetime(when: dt.datetime) -> str:
    """A stored naive-UTC time in local time: the date as every screen writes it, then the
    time (linkdesk.labels.when_at)."""
    from linkdesk.labels import when_at

    return when_at(when)


def clipped(value: str, width: int) -> Text:
    """`value` as a cell of at most `width` cells, ending in "…" when it was cut (a table
    column kept narrow for 80 columns says it holds more)."""
    from rich.text import Text

    cell = Text(value, no_wrap=True, end="")
    cell.truncate(width, overflow="ellipsis")
    return cell
