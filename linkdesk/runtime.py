"""What runs beside the screens, or as the firm's service: mail, delivery, webhooks, reminders,
expiry, the acceptance page and the change watcher, with a heartbeat in the database.

One pipeline, however many processes: a service (`linkdesk serve`) always runs it; a terminal
runs it only while no service is alive for its database, and hands over as soon as one is. The
acceptance page is served by whichever process can take its port, and taken up again by
another when that process quits. All of it is real and local by default: with no relay
configured an SMTP capture server on 127.0.0.1 receives the mail (Maildir in the data
directory); with the default link base the page is on 127.0.0.1:8765.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from linkdesk.settings import Settings
from store.pipeline import RelayState

if TYPE_CHECKING:
    from linkdesk.mail.capture import CaptureServer
    from linkdesk.mail.delivery import DeliveryWorker
    from store import Store
    from store.changes import ChangeWatcher

log = logging.getLogger("linkdesk.runtime")
SESSION = "session"
"""A desk opened through the service's SSH door: the service runs the pipeline and the page."""
EXPIRY_SWEEP_S = 60.0


@dataclass
class Runtime:
    """The running services; `problems` lists what could not start, for the app to tell.

    `role` is "app" (a terminal: the pipeline only while no service is alive), "service"
    (always, and the page on `page_host`:`page_port`) or "session" (a desk the service opened
    over SSH: never the pipeline nor the page, which its service runs).
    """

    settings: Settings
    store: Store
    on_change: Callable[[], None] = lambda: None
    role: str = "app"
    page_host: str = "127.0.0.1"
    page_port: int | None = None  # None: the port of the link base, when it is this machine
    on_pipeline: Callable[[object | None], None] = lambda _service: None
    capture: CaptureServer | None = None
    delivery: DeliveryWorker | None = None
    web_runner: object | None = None
    bounces: object | None = None  # the bounce intake, while this process runs the pipeline
    hooks: object | None = None  # the webhook worker, with hooks.url, while it runs the pipeline
    watcher: ChangeWatcher | None = None
    problems: list[str] = field(default_factory=list)
    started: bool = False
    process_id: int | None = None
    service: object | None = None  # the living service this terminal leaves the pipeline to
    relay_ok: bool | None = None
    on_relay: Callable[[object], None] = lambda _state: None
    """Called with the relay's state (store.pipeline.RelayState) when it changes, whichever
    process met it: the app shows a banner while delivery is paused."""
    relay_shown: RelayState = field(default_factory=RelayState)
    on_live: Callable[[bool], None] = lambda _live: None
    """Called with False when changes made elsewhere can no longer be heard (PostgreSQL's
    listening connection lost), True once they are again: the app says so."""
    _relay_words: str = ""
    _expiry: asyncio.Task | None = None
    _heart: asyncio.Task | None = None
    _page_warned: bool = False
    _relay_note: asyncio.Task | None = None

    @property
    def runs_pipeline(self) -> bool:
        return self.delivery is not None

    @property
    def serves_page(self) -> bool:
        return self.web_runner is not None

    @property
    def wanted_port(self) -> int | None:
        if self.page_port is not None:
            return self.page_port
        return self.settings.local_page_port

    async def start(self) -> Runtime:
        """Register this process, start what it should run, and keep its heartbeat."""
        from store.changes import ChangeWatcher
        from store.pipeline import SERVICE

        self.store.invitations.ttl = dt.timedelta(days=self.settings.link_days)
        self.process_id = await self.store.pipeline.register(self.role)
        if self.role == SERVICE:
            await self._start_pipeline()
        await self._follow()
        self.watcher = await ChangeWatcher(self.store, self.changed,
                                           lambda live: self.on_live(live)).start()
        self._heart = asyncio.create_task(self._beat(), name="linkdesk-heartbeat")
        self.started = True
        return self

    async def _follow(self) -> None:
        """Run the pipeline and the page or leave them, by what the other processes do."""
        from store.pipeline import SERVICE

        if self.role != SERVICE:
            service = await self.store.pipeline.service(besides=self.process_id)
            if (service is None) != (self.service is None) or \
                    (service is not None and self.service.id != service.id):
                self.service = service
                self.on_pipeline(service)
            if service is None and not self.runs_pipeline and self.role != SESSION:
                await self._start_pipeline()
            elif service is not None and self.runs_pipeline:
                log.info("a service runs the pipeline: this terminal leaves it")
                await self._stop_pipeline()
            if service is not None and service.serves_page and self.serves_page:
                await self._stop_page()  # the service serves the links; give it the port
        if not self.serves_page and self.wanted_port is not None and self.role != SESSION:
            await self._take_page()
        if not self.runs_pipeline:  # the service's word, or the last one kept
            self._show_relay(await self.store.pipeline.relay())
        await self.store.pipeline.beat(self.process_id, runs_pipeline=self.runs_pipeline,
                                       serves_page=self.serves_page)

    async def _beat(self) -> None:
        from store.pipeline import BEAT_S

        while True:
            await asyncio.sleep(BEAT_S)
            try:
                await self._follow()
            except Exception:  # a busy moment: the next beat tries again
                log.warning("heartbeat failed", exc_info=True)
            await self.store.release()

    async def _start_pipeline(self) -> None:
        from linkdesk.mail.capture import CaptureServer
        from linkdesk.mail.delivery import DeliveryWorker
        from linkdesk.mail.relay import RelayConfig, tls_context
        from linkdesk.mail.sender import SmtpPool

        s = self.settings
        if s.smtp_url:
            relay = RelayConfig.parse(s.smtp_url, password=s.smtp_password or None,
                                      trusted_link=s.smtp_trusted_link)
        else:
            self.capture = await CaptureServer(s.maildir).start()
            relay = RelayConfig("127.0.0.1", self.capture.port, "plain", timeout=10)
        # A plain relay (the built-in capture's, a trusted link's) never starts TLS: no
        # context, whose trusted authorities cost ~2 MiB and ~0.1 s to load.
        tls = None if relay.security == "plain" else tls_context(s.smtp_ca_file)
        self.delivery = DeliveryWorker(
            self.store, SmtpPool(relay, s.smtp_connections, tls),
            self.changed,
            claimed_by=self.process_id, on_relay=self._relay_said,
            bounce_address=s.bounce_address).start()
        if s.bounce_address and s.bounce_port is not None:
            from linkdesk.mail.bounce_intake import BounceIntake

            host = s.service_host if self.role == "service" else "127.0.0.1"
            try:
                # A recorded report changes what the screens show, not what there is to send.
                self.bounces = await BounceIntake(self.store, s.bounce_address, host,
                                                  s.bounce_port, lambda: self.on_change()
                                                  ).start()
            except OSError as exc:
                from linkdesk.i18n import _

                problem = _("The bounce intake could not take {host}:{port} ({reason}).").format(
                    host=host, port=s.bounce_port, reason=exc.strerror or exc)
                self.problems.append(problem)
                log.warning("bounces: %s:%s is taken (%s)", host, s.bounce_port,
                            exc.strerror or exc)
        if s.hooks_url:
            from linkdesk.hooks.sender import HookSender
            from linkdesk.hooks.worker import HookWorker

            self.hooks = HookWorker(self.store, HookSender(s.hooks_url, s.hooks_secret),
                                    claimed_by=self.process_id).start()
        self._expiry = asyncio.create_task(self._expire_links(), name="linkdesk-expiry")
        self.wake_delivery()

    async def _stop_pipeline(self) -> None:
        """Finish the batch in hand, then stop delivery, the sweeps and the capture."""
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
            self._expiry = None
        if self.bounces is not None:
            bounces, self.bounces = self.bounces, None
            await bounces.stop()
        if self.hooks is not None:
            hooks, self.hooks = self.hooks, None
            await hooks.stop()
        if self.delivery is not None:
            delivery, self.delivery = self.delivery, None
            await delivery.stop()
        if self.capture is not None:
            capture, self.capture = self.capture, None
            await capture.stop()

    async def _take_page(self) -> None:
        """Serve the acceptance page if its port is free; say once when it is not and no
        other process serves it."""
        from linkdesk.web.accept import make_web_app, start_site
        from linkdesk.web.health import add_health

        port = self.wanted_port
        app = make_web_app(self.store, self.changed, self.settings.trusted_proxies,
                           forwarded_header=self.settings.forwarded_header,
                           portal=self.settings.portal_url)
        add_health(app, self.store, self)
        try:
            self.web_runner = await start_site(app, self.page_host, port,
                                               trusted_proxies=self.settings.trusted_proxies)
        except OSError as exc:
            if self._page_warned:
                return
            if any(p.serves_page and p.id != self.process_id
                   for p in await self.store.pipeline.alive()):
                return  # another linkdesk serves the links
            self._page_warned = True
            from linkdesk.i18n import _

            problem = _("Invitation links are not served: {host}:{port} is used by another "
                        "program ({reason}). linkdesk tries again every few seconds.").format(
                host=self.page_host, port=port, reason=exc.strerror or exc)
            self.problems.append(problem)
            log.warning("page: %s:%s is taken (%s); trying again", self.page_host, port,
                        exc.strerror or exc)
            return
        self._page_warned = False
        log.info("page: serving invitation links on http://%s:%s/i/…", self.page_host,
                 self.web_runner.addresses[0][1] if self.web_runner.addresses else port)

    async def _stop_page(self) -> None:
        if self.web_runner is not None:
            runner, self.web_runner = self.web_runner, None
            await runner.cleanup()

    def _relay_said(self, ok: bool, said: str, kind: str | None = None) -> None:
        """The relay's answer changed (a problem, or fine again): keep it for everyone (status,
        /healthz, the other terminals) and show it here at once."""
        if (ok, said) == (self.relay_ok, self._relay_words):
            return
        self.relay_ok, self._relay_words = ok, said
        self._show_relay(RelayState(ok, said, self.store.clock(), kind))
        if self.process_id is not None:
            self._relay_note = asyncio.get_running_loop().create_task(
                self._keep_relay(ok, said, kind))

    def _show_relay(self, state) -> None:
        if (state.ok, state.said) != (self.relay_shown.ok, self.relay_shown.said):
            self.relay_shown = state
            self.on_relay(state)

    async def _keep_relay(self, ok: bool, said: str, kind: str | None) -> None:
        """Keep the relay's word for status and /healthz; a busy database only delays it."""
        try:
            await self.store.pipeline.relay_said(self.process_id, ok, said, kind)
        except Exception:
            log.warning("could not keep the relay's state; the next change tries again",
                        exc_info=True)
            self.relay_ok = None  # so that the next answer is kept

    async def _expire_links(self) -> None:
        """Show invitations past their date as expired, and send the reminders that are due
        (when the firm has them on): at start, then every minute."""
        from linkdesk.mail.reminders import send_due_reminders

        while True:
            try:
                if await self.store.invitations.expire():
                    self.changed()
                reminded = await send_due_reminders(self.store, self.settings.sender_address,
                                                    self.settings.link_base,
                                                    self.settings.portal_url)
                if reminded:
                    log.info("reminders: %d queued", reminded)
                    self.wake_delivery()
                    self.changed()
            except Exception:  # a busy moment: try again next round
                log.warning("expiry and reminder sweep failed", exc_info=True)
            await self.store.release()
            await asyncio.sleep(EXPIRY_SWEEP_S)

    def changed(self) -> None:
        self.wake_delivery()  # another process may have queued something
        self.on_change()

    def wake_delivery(self) -> None:
        if self.delivery is not None:
            self.delivery.wake()
        if self.hooks is not None:  # a change may have queued an event for the firm's systems
            self.hooks.wake()

    async def stop(self) -> None:
        """Stop cleanly: the batch in hand is sent and recorded, the heartbeat says so."""
        if self._heart is not None:
            self._heart.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heart
        if self.watcher is not None:
            await self.watcher.stop()
        await self._stop_pipeline()
        await self._stop_page()
        if self._relay_note is not None:  # the relay's last word, being kept: let it finish
            note, self._relay_note = self._relay_note, None
            with contextlib.suppress(Exception):
                await note
        if self.process_id is not None:
            with contextlib.suppress(Exception):  # the database may be what failed
                await self.store.pipeline.stop(self.process_id)
