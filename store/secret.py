"""A secret (a typed password) that no traceback, log or repr can show."""

from __future__ import annotations


class Secret:
    """Holds a password; `repr` and `str` are masked, `reveal()` gives it to the hasher.

    A crash report that prints local variables, or a log line that formats an argument, sees
    `Secret('********')`. Accept `str | Secret` where passwords come in; reveal at the last call.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        self._value = value.reveal() if isinstance(value, Secret) else value

    def reveal(self) -> str:
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__
