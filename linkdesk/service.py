"""`linkdesk serve`: the firm's service. The acceptance page, delivery, reminders and the expiry
sweep in one process until SIGTERM or SIGINT, one log line per event, never a secret."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from pathlib import Path

from linkdesk.settings import Settings

log = logging.getLogger("linkdesk.service")


def configure_logging(log_file: Path | None) -> logging.Handler:
    """Send the service's events, and every library's warnings and errors, to stderr or to
    `log_file` (appended, private to the user), one line each, no token (service_log)."""
    from linkdesk.service_log import install

    if log_file is not None:
        from store.db import make_private

        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.touch(exist_ok=True)
        make_private(log_file)
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    return install(handler)


async def open_door(settings: Settings, store, runtime):
    """The SSH door (linkdesk.ssh), its host key's fingerprint said for preparers to check."""
    from linkdesk.ssh.server import Door

    door = await Door(settings, store, lambda: runtime.process_id).start()
    log.info("ssh: the desk opens on port %s for preparers' keys%s; host key %s",
             door.port, ", and the demo for anyone" if settings.ssh_demo else "",
             door.fingerprint)
    return door


async def run_service(settings: Settings, store, host: str, port: int) -> int:
    """Run until SIGTERM or SIGINT, then stop cleanly: the batch in hand is sent and recorded,
    whatever was claimed and not sent is handed back at once."""
    from linkdesk.runtime import Runtime
    from store.pipeline import SERVICE

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = Runtime(settings, store, role=SERVICE, page_host=host, page_port=port)
    relay = "built-in capture (" + str(settings.maildir) + ")"
    if settings.smtp_url:
        from linkdesk.mail.relay import RelayConfig

        relay = RelayConfig.parse(settings.smtp_url).describe()
    log.info("started: database %s, relay %s, links %s", store.target.describe(), relay,
             settings.link_base)
    door = None
    try:
        await runtime.start()
        if settings.ssh_port is not None:
            door = await open_door(settings, store, runtime)
        await stop.wait()
        log.info("stopping: finishing the messages in hand")
    finally:
        if door is not None:
            await door.stop()
        await runtime.stop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return 0
