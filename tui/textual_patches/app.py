"""Textual's App with every App-level patch of ours, in one class the desk's app derives from.

The patches live in their own modules (each with its private names, why, and upstream):
key_order (keys act in the order typed), quiet_screen's QuietApp (no repaint when a screen
leaves), news_toasts (news gives way to what the preparer does), exceptions (one error
policy). They are combined here once, in a fixed order, and the methods more than one of them
changes (push_screen, switch_screen) are written out here, so that no behaviour depends on the
order of bases anywhere else: LinkdeskApp has this one base.
"""

from __future__ import annotations

from textual.app import App, ReturnType

from tui.textual_patches.exceptions import ExceptionHook
from tui.textual_patches.key_order import KeyOrder
from tui.textual_patches.news_toasts import NewsToasts
from tui.textual_patches.quiet_screen import QuietApp

PRIVATE_NAMES: dict[str, str | None] = {}  # each part lists its own


class PatchedApp(QuietApp, NewsToasts, ExceptionHook, KeyOrder, App[ReturnType]):
    """An App whose keys act in order, which paints only what changed, whose news toasts give
    way, and whose uncaught errors go to `uncaught_exception`."""

    def push_screen(self, screen, *args, **kwargs):
        self._put_away_news(keep=0)  # the preparer moved on: the news is in the list
        result = super().push_screen(screen, *args, **kwargs)
        self._screen_opened(self.screen)  # the key in hand waits for it
        return result

    def switch_screen(self, screen):
        result = super().switch_screen(screen)
        self._screen_opened(self.screen)
        return result
