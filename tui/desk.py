"""What every screen and widget of the desk reaches, typed, in one place: the store, the
settings, the runtime (none of them through an untyped `self.app.store`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from linkdesk.config import Settings
    from linkdesk.runtime import Runtime
    from store import Store


class DeskApp(Protocol):
    """What LinkdeskApp holds for its screens (a Protocol: widgets never import the app)."""

    store: Store
    settings: Settings
    runtime: Runtime | None


class Desk:
    """Mixin for a Screen or Widget of LinkdeskApp."""

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
