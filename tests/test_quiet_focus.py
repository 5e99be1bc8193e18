"""Moving the focus repaints the widgets concerned, never a whole screen (issue 14, item 13)."""

from __future__ import annotations


def test_every_screen_moves_focus_without_repainting_itself():
    """Textual repaints a whole Screen when its focus moves (20 KB over SSH for a Tab): every
    screen of the desk mixes in QuietFocus, new ones included."""
    import importlib
    import inspect
    import pkgutil

    from textual.screen import Screen

    import tui.screens
    from tui.quiet_focus import QuietFocus

    loud = []
    for module in pkgutil.iter_modules(tui.screens.__path__):
        mod = importlib.import_module(f"tui.screens.{module.name}")
        for name, cls in inspect.getmembers(mod, inspect.isclass):
            if issubclass(cls, Screen) and cls.__module__ == mod.__name__ \
                    and not issubclass(cls, QuietFocus):
                loud.append(name)
    assert not loud
    assert QuietFocus.__dict__["focused"]._repaint is False
