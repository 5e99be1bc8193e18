"""A labelled input with its error message beside it, for every form in the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, Label, Static

from linkdesk.labels import field_error
from tui.widgets.text_input import TextInput


class FormField(Horizontal):
    """Label, input, and the reason the value is refused (empty while it is fine)."""

    DEFAULT_CSS = """
    FormField { height: auto; margin: 0 0 1 0; }
    FormField > Label { width: 24; padding: 0 1 0 0; }
    FormField > Input {
        width: 1fr; height: 1; padding: 0 1; background: $boost;
        border: none; border-left: vkey $foreground 40%;
    }
    FormField > Input:focus { background: $primary 30%; border: none; border-left: thick $accent; }
    FormField > Input.-refused { background: $error 20%; border: none; border-left: vkey $error; }
    FormField > Input.-refused:focus {
        background: $error 30%; border: none; border-left: thick $accent;
    }
    FormField > .error { width: auto; max-width: 45%; padding: 0 0 0 1; color: $error; }
    """

    def __init__(self, name: str, label: str, *, password: bool = False, optional: bool = False,
                 max_length: int = 0, placeholder: str = "") -> None:
        super().__init__(id=f"field-{name}")
        self.field_name = name
        self._label = label
        self._password = password
        self._max_length = max_length
        self._placeholder = placeholder
        self.optional = optional

    def compose(self) -> ComposeResult:
        yield Label(self._label, markup=False)
        yield TextInput(
            id=f"input-{self.field_name}", password=self._password,
            max_length=self._max_length, placeholder=self._placeholder,
        )
        error = Static("", classes="error", id=f"error-{self.field_name}", markup=False)
        error.display = False
        yield error

    recheck = None  # value -> error code or None: how a shown error is checked again as typed

    def on_input_changed(self, event: Input.Changed) -> None:
        """A shown error goes as soon as the value is right (with no `recheck`, as soon as
        it is typed in again); it is never replaced by a new one before the next save."""
        if not self.input.has_class("-refused"):
            return
        if self.recheck is None or self.recheck(event.value) is None:
            self.set_error(None)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def value(self) -> str:
        return self.input.value

    def set_error(self, code: str | None) -> None:
        error = self.query_one(".error", Static)
        error.update(field_error(code) if code else "")
        error.display = bool(code)  # the input has the whole row while the value is fine
        # Not Textual's "-invalid": the Input clears that at every key, and its focused style
        # is a tall frame that, in one line, hides the text.
        self.input.set_class(bool(code), "-refused")

    @property
    def error_text(self) -> str:
        return str(self.query_one(".error", Static).render())
