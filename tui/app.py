"""The Textual app: wires the store into the screens; the screens do the work."""

from __future__ import annotations

import asyncio
import sys
from typing import TYPE_CHECKING

from textual import work
from textual.binding import Binding
from textual.signal import Signal

from linkdesk.i18n import N_, _
from linkdesk.settings import Settings
from store import PreparerInfo, Store
from store.target import DatabaseTarget
from tui.errors import ErrorPolicy
from tui.idle_cursor import IdleCursor
from tui.textual_patches.app import PatchedApp

if TYPE_CHECKING:
    from linkdesk.demo import Demo
    from linkdesk.runtime import Runtime


# News is two lines at most (tui.tcss): at 80 columns, in French too, or its end is cut.
DEMO_WELCOME = N_("A demo firm: clients accept their invitations by themselves within seconds. "
                  "Everything is removed when you quit (ctrl+q).")


class LinkdeskApp(PatchedApp[int]):
    """linkdesk in the terminal: sign in, then the client list."""

    CSS_PATH = "styles/tui.tcss"  # a link to the top-level tui.tcss, copied into the wheel
    TITLE = "linkdesk"
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="quit", tooltip=N_("Leave linkdesk"),
                priority=True),
        Binding("question_mark", "help", N_("Help"), id="help", key_display="?",
                tooltip=N_("Every key of this screen")),
        # F1 too, everywhere: in a form, `?` is a character the preparer types.
        Binding("f1", "help", show=False, priority=True),
        Binding("ctrl+p", "command_palette", N_("Commands"), id="palette", show=False,
                tooltip=N_("Every action by name")),
    ]

    def __init__(self, settings: Settings, store: Store, runtime: Runtime | None = None,
                 preparer: PreparerInfo | None = None, demo: Demo | None = None) -> None:
        super().__init__()
        self.errors = ErrorPolicy(self, store, settings.data_dir)
        self.idle_cursor = IdleCursor(self)
        self.settings = settings
        self.store = store
        self.runtime = runtime
        if settings.theme:
            self.theme = settings.theme
        self.preparer: PreparerInfo | None = None
        self.demo = demo  # the throwaway firm of `linkdesk demo`, when it runs
        self.signed_in_as = preparer  # the SSH door checked this preparer's key: no sign-in
        self._runtime_starting = False
        self.pipeline_note = ""  # who sends the mail, when it is not this terminal
        self.relay_state = None  # the relay's last word (store.pipeline.RelayState)
        # What the runtime tells the screens that subscribe (every open screen hears it, not
        # only the one on top: a change while Help or a dialog is open is not lost beneath).
        self.store_changes: Signal[None] = Signal(self, "store-changes")
        self.context_changes: Signal[None] = Signal(self, "context-changes")
        if runtime is not None:
            runtime.on_change = self.store_changed
            runtime.on_pipeline = lambda service: self.is_running and self.call_later(
                self.show_pipeline, service)
            runtime.on_relay = lambda state: self.is_running and self.call_later(
                self.show_relay, state)
            runtime.on_live = lambda live: self.is_running and self.call_later(
                self.show_live, live)

    def uncaught_exception(self, error: Exception) -> BaseException | None:
        return self.errors.uncaught_exception(error)

    @property
    def crash_line(self) -> str | None:
        """What to say on the terminal when the app stopped on a bug (None: it did not)."""
        return self.errors.crash_line

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen, key_rows

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        # A screen's help_title is a msgid (N_, marked where the class is defined, before the
        # language is known): translated here. A dialog's is read off its own title line,
        # already in the preparer's language, and comes back from _() as it went in.
        title = _(getattr(screen, "help_title", None) or type(screen).__name__.removesuffix(
            "Screen"))
        self.push_screen(HelpScreen(title, key_rows(screen)))

    def get_key_display(self, binding) -> str:
        from tui.key_names import key_name

        return key_name(super().get_key_display(binding))

    def get_system_commands(self, screen):
        """The palette offers every action of the screen it was opened on, then the app's."""
        from textual.app import SystemCommand

        from tui.widgets.key_bar import screen_bindings

        for node, binding, enabled, tooltip in screen_bindings(screen):
            if not enabled:
                continue
            key = self.get_key_display(binding)
            what = _(binding.description)
            yield SystemCommand(f"{what} ({key})", _(tooltip) if tooltip else what,
                                lambda node=node, action=binding.action: node.run_action(action))
        yield SystemCommand(_("Change theme"), _("Pick a colour theme for this session"),
                            self.action_change_theme)

    def show_live(self, live: bool) -> None:
        """Say once that changes made elsewhere are not heard for now, and once that they are
        again (PostgreSQL restarted: the list would otherwise go quietly stale)."""
        if live:
            self.notify(_("Connected to the database again: the list is up to date."),
                        markup=False)
        else:
            self.notify(_("Lost the connection that hears other desks' changes; reconnecting. "
                          "The list may lag until then."), severity="warning", timeout=10,
                        markup=False)

    def store_changed(self) -> None:
        """The store changed (called by the runtime's services, which outlive the screens by a
        moment when the app quits): the screens that follow it redraw, each coalescing."""
        if self.is_running and self.screen_stack:
            self.store_changes.publish(None)

    def on_mount(self) -> None:
        from tui.screens.sign_in import SignInScreen

        self.errors.watch_store_busy()
        self.idle_cursor.start()
        if self.demo is not None:
            self.signed_in(self.demo.preparer)
            self.notify(_(DEMO_WELCOME), markup=False, timeout=8)
            return
        if self.signed_in_as is not None:
            self.signed_in(self.signed_in_as)
            return
        self.push_screen(SignInScreen())

    def start_runtime(self) -> None:
        """Start mail, delivery, the acceptance page and the change watcher (once).

        Called when the client list has drawn its first page and counts: their imports and
        servers then cost nothing on the way from launch to the list.
        """
        if self.runtime is not None and not self.runtime.started and not self._runtime_starting:
            self._runtime_starting = True
            self._start_runtime()

    @work(group="runtime")
    async def _start_runtime(self) -> None:
        from tui.warmup import warm_services

        await asyncio.to_thread(warm_services)  # their imports in a thread: keys still answer
        await self.runtime.start()
        for problem in self.runtime.problems:
            self.notify(problem, severity="warning", markup=False, timeout=10)
        if self.demo is not None:
            from tui.screens.clients import ClientsScreen

            self.demo.start_clients(self.runtime)
            if isinstance(self.screen, ClientsScreen):
                self.screen.run_bulk(self.demo.first_invitations(), False)

    def show_pipeline(self, service) -> None:
        """Say on the client list when a service on this database sends the mail."""
        self.pipeline_note = _("mail sent by the service on {host}").format(
            host=service.host) if service is not None else ""
        self.context_changes.publish(None)

    def show_relay(self, state) -> None:
        """The relay's state changed (here or in the service): the banner follows it."""
        self.relay_state = state
        self.context_changes.publish(None)

    def signed_in(self, preparer: PreparerInfo) -> None:
        """Open the client list for `preparer`, leaving no way back to the password prompt."""
        self.preparer = preparer
        self.sub_title = preparer.firm_name
        self.call_later(self._open_clients)

    async def _open_clients(self) -> None:
        from tui.screens.clients import ClientsScreen

        while len(self.screen_stack) > 2:
            await self.pop_screen()
        screen = ClientsScreen(self.settings.tax_year)
        if len(self.screen_stack) < 2:  # signed in without a sign-in screen (the demo)
            await self.push_screen(screen)
        else:
            await self.switch_screen(screen)


def preload_client_list(region: str) -> None:
    """Load what the client list first draws with, ahead of it (from a thread, by whoever
    starts the app and has a moment: the demo while it makes its firm)."""
    from tui.warmup import warm_client_list

    warm_client_list(region)


def make_app(settings: Settings, store: Store, runtime: Runtime | None = None,
             preparer: PreparerInfo | None = None, demo: Demo | None = None) -> LinkdeskApp:
    """Build the app around an open store: the one place the parts are put together.
    `preparer`: signed in already (the SSH door checked their key); `demo`: `linkdesk demo`'s
    throwaway firm, which the app shows and ends with."""
    return LinkdeskApp(settings, store, runtime, preparer, demo)


async def run_app(settings: Settings, target: DatabaseTarget) -> int:
    """Open the store, start the services, run the app until it quits, stop everything."""
    from linkdesk.runtime import Runtime

    # Connections: two delivery lanes, the screens' workers, the acceptance page's requests.
    store = await Store.open(target, pool_size=8, region=settings.region)
    try:
        runtime = Runtime(settings, store)
        try:
            app = make_app(settings, store, runtime)
            await app.run_async()
            if app.crash_line:
                print(app.crash_line, file=sys.stderr)
            return app.return_code or 0
        finally:
            await runtime.stop()
    finally:
        await store.close()
