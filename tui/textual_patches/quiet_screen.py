"""A screen sends the terminal only what changed: no repaint of itself that changes nothing.

Over SSH a whole screen is 4 to 6 KB at 80x24, and Textual repaints one in three places where
nothing a screen draws has changed:
- whenever the screen's `focused` changes, though the widget losing focus and the one taking it
  restyle and repaint themselves (a whole screen for each Tab between two fields, and each time
  the search box takes the keys);
- on the Resize every new screen receives after its first layout, at the size it was just laid
  out at (and the screens beneath a modal are laid out again with it);
- when a layout and a repaint of the screen fall due together, as they do after a screen is
  pushed: the layout paints the screen, then the repaint paints it all again.
Opening help was four whole screens (21.7 KB); it is now one. Every screen of the desk is a
QuietScreen or a QuietModalScreen (tests/test_quiet_screen.py keeps new ones in line).

And the app (QuietApp) does not repaint the screen shown when it takes another off its stack:
closing help painted the list twice, once on its return and once more for the removal.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widget import Widget

from tui.held_keys import paint_may_wait, painted

# Private names (each with its signature on the pinned Textual; None: an attribute). Figure:
# opening help went from four whole screens (21.7 KB over SSH) to one; a keystroke in the
# search box paints once. Upstream: Textual could skip a Screen's repaint on a focus change
# and on a Resize to the size just laid out, and fold a due repaint into the layout's paint;
# no such issue was found in Textual's tracker (8.2.8): to propose, with these figures.
PRIVATE_NAMES = {
    "textual.screen.Screen._screen_resized": "(self, size: 'Size') -> 'None'",
    "textual.screen.Screen._compositor_refresh": "(self) -> 'None'",
    "textual.screen.Screen._on_timer_update": "(self) -> 'None'",
    "textual.screen.Screen._compositor": None,
    "textual.screen.Screen._layout_required": None,
    "textual.screen.Screen._dirty_widgets": None,
    "textual.screen.Screen._repaint_required": None,
    "textual.app.App._batch_count": None,
    "textual.app.App._prune": "(self, *nodes: 'Widget', parent: 'DOMNode | None' = None) "
                             "-> 'AwaitRemove'",
    "textual.await_remove.AwaitRemove._post_remove": None,
}

PUT_OFF_AT_MOST_S = 0.03  # a paint waits this long at most for the layout it was left to


class QuietScreenPatch:
    """The patch, for Screen and ModalScreen alike: only QuietScreen and QuietModalScreen (below)
    mix it in; the desk's screens derive from those."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    _painting_layout = False  # in the screen's update timer, where a layout may paint
    _paints_left_to_layout = 0  # a paint put off until the layout that follows
    _painted_size: Size | None = None  # the size this screen was last painted at

    def _screen_resized(self, size: Size) -> None:
        # A layout already pending (a widget asked for one) still runs on the screen's timer.
        if size == self._compositor.size:
            return
        super()._screen_resized(size)

    def _compositor_refresh(self) -> None:
        # A paint while a layout is due would be painted again by it: leave it to the layout.
        if self._layout_required and not self._painting_layout:
            return
        # A layout that changed widgets' virtual sizes has asked for another (a new screen is
        # always laid out twice): paint once after that one, but never put off two in a row.
        # Not the screen's own flag: Textual clears it only once the layout has painted, so it
        # meant every layout (each letter typed in the search box waited 30 ms to be seen).
        if self._painting_layout and not self._paints_left_to_layout and (
                self._painted_size != self._compositor.size or any(
                    widget._layout_required for widget in self._compositor.widgets
                    if widget is not self)):
            self._paints_left_to_layout = 1
            self.set_timer(PUT_OFF_AT_MOST_S, self._paint_if_still_put_off)
            return
        self._paints_left_to_layout = 0
        self._paint()

    def _paint(self) -> None:
        self._painted_size = self._compositor.size
        painted(self.app)
        super()._compositor_refresh()

    def _paint_if_still_put_off(self) -> None:
        """The layout asked for did not come (or is not due): paint what was put off.

        And what widgets asked to repaint since (new rows landing in the list): the screen
        took note of them for its next frame, and this paint ends that note, as a frame does.
        Their regions are the compositor's only once exchanged, here as in the frame; else
        they would wait, unpainted, for the next change."""
        if self._paints_left_to_layout and not self._layout_required:
            self._paints_left_to_layout = 0
            if self._dirty_widgets:
                self._compositor.update_widgets(self._dirty_widgets)
            self._paint()

    def _on_timer_update(self) -> None:
        # A key held down paints at a pace a slow link carries (tui/held_keys.py); the update
        # timer keeps running and comes back at its next tick.
        if paint_may_wait(self.app):
            return
        # The layout's paint includes the screen's own repaint, instead of a second paint.
        if (self.is_current and not self.app._batch_count and self._layout_required
                and self._repaint_required):
            self._repaint_required = False
            self._dirty_widgets.add(self)
        self._painting_layout = True
        try:
            super()._on_timer_update()
        finally:
            self._painting_layout = False


class QuietScreen(QuietScreenPatch, Screen[ScreenResultType]):
    """A Screen that sends the terminal only what changed."""


class QuietModalScreen(QuietScreenPatch, ModalScreen[ScreenResultType]):
    """A ModalScreen that sends the terminal only what changed."""


class QuietApp:
    """Part of PatchedApp (tui/textual_patches/app.py)."""

    _screen_left = False  # inside what Textual runs once a screen is taken off the stack

    def _prune(self, *nodes, parent=None):
        # A screen taken off the stack is not the one shown (it was popped or replaced
        # first). Once removed, it asks the app for a layout and a repaint of the one shown,
        # which was repainted on its return already: the layout is enough.
        from textual.screen import Screen

        removal = super()._prune(*nodes, parent=parent)
        after = removal._post_remove
        if parent is self and after is not None and all(isinstance(n, Screen) for n in nodes):
            def quietly() -> None:
                self._screen_left = True
                try:
                    after()
                finally:
                    self._screen_left = False

            removal._post_remove = quietly
        return removal

    def refresh(self, *, repaint: bool = True, layout: bool = False, recompose: bool = False):
        if self._screen_left and layout and not recompose:
            repaint = False  # the layout still runs, and paints whatever it moves
        return super().refresh(repaint=repaint, layout=layout, recompose=recompose)
