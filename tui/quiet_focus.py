"""Moving the focus repaints the two widgets concerned, not the whole screen.

Textual's Screen repaints itself whenever its `focused` changes, though nothing a screen draws
depends on it: the widget losing focus and the one taking it restyle and repaint themselves.
Over SSH that repaint is a whole screen (about 20 KB at 80x24) for each Tab between two fields
and each time the search box takes the keys. Every screen of the desk mixes this in first.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.widget import Widget


class QuietFocus:
    """Mixin for a Screen or ModalScreen (before it in the bases)."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
