"""Enter moves between a form's fields at once, so keys that arrive in a burst land where meant.

Over a slow SSH link "marie⏎correct horse battery⏎" can arrive in one read. Textual forwards each
key to the widget focused at that moment, and Widget.focus() only takes effect after the keys
already read; so the password would land in the username field. Here Enter is a priority
binding of the screen: it runs while the App is reading keys and moves the focus before the
next key is forwarded.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input, Select


class FieldOrder:
    """Mixin for a Screen with Inputs: Enter goes to the next shown field, then submits."""

    FORM_BINDINGS = [Binding("enter", "next_field", show=False, priority=True)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_field":
            # A closed Select is a field too (↓ or space opens it); elsewhere, and in an open
            # Select's list, Enter keeps its own meaning.
            return isinstance(self.focused, Input | Select)
        return True

    def shown_inputs(self) -> list[Input]:
        return [i for i in self.query(Input) if i.display and i.parent and i.parent.display]

    def shown_fields(self) -> list[Input | Select]:
        """Inputs and Selects in the order they are shown (Language is a field too)."""
        return [w for w in self.query("Input, Select")
                if w.display and w.parent and w.parent.display and not w.disabled]

    def action_next_field(self) -> None:
        fields = self.shown_fields()
        focused = self.focused
        if focused not in fields or focused is fields[-1]:
            self.submit_form()
        else:
            self.set_focus(fields[fields.index(focused) + 1])

    def submit_form(self) -> None:
        """What Enter does on the last field."""
        raise NotImplementedError


def field_check(parse, *args):
    """A FormField.recheck from a store parser (parse_email, parse_name ...): the error code
    it raises for a value, or None when it takes it."""
    from store.validate import FieldError

    def check(value: str) -> str | None:
        try:
            parse(value, *args)
        except FieldError as exc:
            return exc.code
        return None

    return check
