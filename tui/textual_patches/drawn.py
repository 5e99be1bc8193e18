"""What a screen draws, as the terminal gets it: for tests that read a cell, not a widget.

Private names: `Screen._compositor` (its `render_strips`, the lines the screen sends).
Why: a test of "the label reads whole at 80 columns" must read what the terminal shows after
clipping and overlays, which no widget's own render gives; the snapshots' SVG is too heavy for
one row.
Upstream: a public `Screen.render_lines()` (or Pilot's) returning the composed strips; not
proposed yet.
"""

from __future__ import annotations

from textual.strip import Strip

# Each private name used here, with its signature on the pinned Textual (None: an attribute).
PRIVATE_NAMES = {
    "textual.screen.Screen._compositor": None,
    "textual._compositor.Compositor.render_strips": "(self, size: 'Size | None' = None) -> "
                                                    "'list[Strip]'",
}


def drawn_lines(app) -> list[Strip]:
    """The lines of the app's current screen, as composed for the terminal."""
    return app.screen._compositor.render_strips()
