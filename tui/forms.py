"""Enter moves between a form's fields at once, so keys that arrive in a burst land where meant.

Over a slow SSH link "marie⏎correct horse battery⏎" can arrive in one read. Textual forwards each
key to the widget focused at that moment, and Widget.focus() only takes effect after the keys
already read; so the password would land in the username field. Here Enter is a priority
binding of the screen: it runs while the App is reading keys and moves the focus before the
next key is forwarded.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class FieldOrder:
    """Mixin for a Screen with Inputs: Enter goes to the next shown field, then submits."""

    FORM_BINDINGS = [Binding("enter", "next_field", show=False, priority=True)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            return isinstance(self.focused, Input)  # elsewhere Enter keeps its own meaning
        return True

    def shown_inputs(self) -> list[Input]:
        return [i for i in self.query(Input) if i.display and i.parent and i.parent.display]

    def action_next_field(self) -> None:
        inputs = self.shown_inputs()
        focused = self.focused
        if focused not in inputs or focused is inputs[-1]:
            self.submit_form()
        else:
            self.set_focus(inputs[inputs.index(focused) + 1])

    def submit_form(self) -> None:
        """What Enter does on the last field."""
        raise NotImplementedError
