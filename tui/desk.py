"""What every screen and widget of the desk reaches, typed, in one place: the store, the
settings, the runtime, the preparer signed in (none of them through an untyped `self.app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from textual.screen import ScreenResultType

from tui.textual_patches.quiet_screen import QuietScreen

if TYPE_CHECKING:
    from textual.signal import Signal

    from linkdesk.runtime import Runtime
    from linkdesk.settings import Settings
    from store import Store
    from store.accounts import PreparerInfo
    from store.pipeline import RelayState


class DeskApp(Protocol):
    """What LinkdeskApp holds for its screens (a Protocol: widgets never import the app)."""

    store: Store
    settings: Settings
    runtime: Runtime | None
    preparer: PreparerInfo | None  # None before sign-in
    pipeline_note: str  # who sends the mail, when it is not this terminal
    relay_state: RelayState | None  # the relay's last word
    store_changes: Signal[None]  # the store changed, here or elsewhere
    context_changes: Signal[None]  # who sends the mail, or the relay's state, changed


class Desk:
    """What a screen or widget of LinkdeskApp reads of it (typed properties, nothing else: no
    bindings, no handlers; screens get it through DeskScreen or Dialog)."""

    @property
    def desk(self) -> DeskApp:
        return cast("DeskApp", self.app)  # type: ignore[attr-defined]

    @property
    def store(self) -> Store:
        return self.desk.store

    @property
    def settings(self) -> Settings:
        return self.desk.settings

    @property
    def runtime(self) -> Runtime | None:
        return self.desk.runtime

    @property
    def preparer(self) -> PreparerInfo | None:
        return self.desk.preparer

    @property
    def preparer_id(self) -> int | None:
        """Who does what this screen does (None: nobody signed in, as in a script)."""
        preparer = self.desk.preparer
        return preparer.id if preparer is not None else None


class DeskScreen(Desk, QuietScreen[ScreenResultType]):
    """The base of every full screen of the desk."""
