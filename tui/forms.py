"""Forms: Enter moves between fields at once, so keys that arrive in a burst land where meant;
the form owns its field order, its save and its cancel.

Over a slow SSH link "marie⏎correct horse battery⏎" can arrive in one read. Textual forwards each
key to the widget focused at that moment, and Widget.focus() only takes effect after the keys
already read; so the password would land in the username field. Here Enter is a priority
binding of the screen: it runs while the App is reading keys and moves the focus before the
next key is forwarded.

A form dialog (FormDialog) or a full-screen form (FormScreen, sign-in and the first account)
says what saving does (`save`) and what a cancel returns (`CANCELLED`); the words of its keys
(OK, Save, Send invitation) are its own bindings, which call `action_save` and `action_cancel`.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.screen import Screen, ScreenResultType
from textual.widgets import Input, Select

from tui.desk import DeskScreen
from tui.dialog import Dialog

NEXT_FIELD = Binding("enter", "next_field", show=False, priority=True)


def shown_fields(screen: Screen) -> list[Input | Select]:
    """Inputs and Selects in the order they are shown (Language is a field too)."""
    return [w for w in screen.query("Input, Select")
            if w.display and w.parent and w.parent.display and not w.disabled]


def shown_inputs(screen: Screen) -> list[Input]:
    return [i for i in screen.query(Input) if i.display and i.parent and i.parent.display]


def enter_moves_on(screen: Screen) -> bool:
    """A closed Select is a field too (↓ or space opens it); elsewhere, and in an open
    Select's list, Enter keeps its own meaning."""
    return isinstance(screen.focused, Input | Select)


def next_field(screen, submit) -> None:
    """Focus the field after the focused one; on the last, `submit()`."""
    fields = shown_fields(screen)
    focused = screen.focused
    if focused not in fields or focused is fields[-1]:
        submit()
    else:
        screen.set_focus(fields[fields.index(focused) + 1])


class FormDialog(Dialog[ScreenResultType]):
    """A dialog of fields: Enter goes to the next shown field, then submits."""

    BINDINGS = [NEXT_FIELD]
    CANCELLED: object = False  # what the dialog returns when cancelled

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return enter_moves_on(self) if action == "next_field" else True

    def action_next_field(self) -> None:
        next_field(self, self.submit_form)

    def shown_inputs(self) -> list[Input]:
        return shown_inputs(self)

    def submit_form(self) -> None:
        """What Enter does on the last field: save, unless the form says otherwise."""
        self.action_save()

    def action_save(self) -> None:
        self.save()

    def save(self) -> None:  # pragma: no cover - per form
        raise NotImplementedError

    def action_cancel(self) -> None:
        self.dismiss(self.CANCELLED)


class FormScreen(DeskScreen):
    """A full screen of fields (sign-in, the first account): Enter goes to the next shown
    field, then submits."""

    BINDINGS = [NEXT_FIELD]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return enter_moves_on(self) if action == "next_field" else True

    def action_next_field(self) -> None:
        next_field(self, self.submit_form)

    def submit_form(self) -> None:  # pragma: no cover - per form
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
