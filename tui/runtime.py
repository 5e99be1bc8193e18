"""What runs beside the screens: mail capture or relay, delivery worker, acceptance page, watcher.

All of it is real and local by default: with no relay configured an SMTP capture server on
127.0.0.1 receives the mail (Maildir in the data directory); with the default link base the
acceptance page is served by this process on 127.0.0.1:8765.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tui.config import Settings

if TYPE_CHECKING:
    from mail.capture import CaptureServer
    from mail.delivery import DeliveryWorker
    from store import Store
    from store.changes import ChangeWatcher

log = logging.getLogger("linkdesk.runtime")
EXPIRY_SWEEP_S = 60.0


@dataclass
class Runtime:
    """The running services; `problems` lists what could not start, for the app to tell."""

    settings: Settings
    store: Store
    on_change: Callable[[], None] = lambda: None
    capture: CaptureServer | None = None
    delivery: DeliveryWorker | None = None
    web_runner: object | None = None
    watcher: ChangeWatcher | None = None
    problems: list[str] = field(default_factory=list)
    started: bool = False
    _expiry: asyncio.Task | None = None

    async def start(self) -> Runtime:
        """Start everything; imported here so that the first frame does not wait for it."""
        from mail.capture import CaptureServer
        from mail.delivery import DeliveryWorker
        from mail.relay import RelayConfig
        from mail.sender import SmtpPool
        from store.changes import ChangeWatcher

        s = self.settings
        if s.smtp_url:
            relay = RelayConfig.parse(s.smtp_url, password=s.smtp_password or None)
        else:
            self.capture = await CaptureServer(s.maildir).start()
            relay = RelayConfig("127.0.0.1", self.capture.port, "plain", timeout=10)
        self.delivery = DeliveryWorker(
            self.store, SmtpPool(relay, s.smtp_connections), self.changed).start()
        if s.serves_acceptance_page:
            from web.accept import make_web_app, start_site

            port = s.local_page_port
            try:
                self.web_runner = await start_site(
                    make_web_app(self.store, self.changed), "127.0.0.1", port)
            except OSError as exc:
                self.problems.append(f"acceptance page not served here: 127.0.0.1:{port} "
                                     f"({exc.strerror or exc}); is `linkdesk serve` running?")
        self.watcher = await ChangeWatcher(self.store, self.changed).start()
        self.store.invitations.ttl = dt.timedelta(days=s.link_days)
        self._expiry = asyncio.create_task(self._expire_links(), name="linkdesk-expiry")
        self.started = True
        return self

    async def _expire_links(self) -> None:
        """Show invitations past their date as expired, and send the reminders that are due
        (when the firm has them on): at start, then every minute."""
        from mail.reminders import send_due_reminders

        while True:
            try:
                if await self.store.invitations.expire():
                    self.changed()
                if await send_due_reminders(self.store, self.settings.sender_address,
                                            self.settings.link_base):
                    self.wake_delivery()
                    self.changed()
            except Exception:  # a busy moment: try again next round
                log.warning("expiry and reminder sweep failed", exc_info=True)
            await self.store.release()
            await asyncio.sleep(EXPIRY_SWEEP_S)

    def changed(self) -> None:
        self.on_change()

    def wake_delivery(self) -> None:
        if self.delivery is not None:
            self.delivery.wake()

    async def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
        if self.watcher is not None:
            await self.watcher.stop()
        if self.delivery is not None:
            await self.delivery.stop()
        if self.web_runner is not None:
            await self.web_runner.cleanup()
        if self.capture is not None:
            await self.capture.stop()
