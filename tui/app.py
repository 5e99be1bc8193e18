"""The Textual app: wires the store into the screens; the screens do the work."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from store import PreparerInfo, Store
from store.db import DatabaseTarget
from tui.config import Settings
from tui.i18n import _


class LinkdeskApp(App[int]):
    """linkdesk in the terminal: sign in, then the client list."""

    CSS_PATH = "../tui.tcss"
    TITLE = "linkdesk"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+q", "quit", _("Quit"), id="quit", tooltip=_("Leave linkdesk"), priority=True),
    ]

    def __init__(self, settings: Settings, store: Store) -> None:
        super().__init__()
        self.settings = settings
        self.store = store
        self.preparer: PreparerInfo | None = None

    def on_mount(self) -> None:
        from tui.screens.sign_in import SignInScreen

        self.push_screen(SignInScreen())

    def signed_in(self, preparer: PreparerInfo) -> None:
        """Open the client list for `preparer`, leaving no way back to the password prompt."""
        self.preparer = preparer
        self.sub_title = preparer.firm_name
        self.call_later(self._open_clients, preparer)

    async def _open_clients(self, preparer: PreparerInfo) -> None:
        from tui.screens.clients import ClientsScreen

        while len(self.screen_stack) > 2:
            await self.pop_screen()
        await self.switch_screen(ClientsScreen(preparer, self.settings.tax_year))


def make_app(settings: Settings, store: Store) -> LinkdeskApp:
    """Build the app around an open store: the one place the parts are put together."""
    return LinkdeskApp(settings, store)


async def run_app(settings: Settings, target: DatabaseTarget) -> int:
    """Open the store, run the app until it quits, close the store; return the exit status."""
    store = await Store.open(target)
    try:
        app = make_app(settings, store)
        await app.run_async()
        return app.return_code or 0
    finally:
        await store.close()
