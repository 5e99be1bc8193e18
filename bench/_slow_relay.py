"""A relay that answers each message after a delay: aiosmtpd, run as its own process.

    python bench/_slow_relay.py PORT DELAY_S

Prints "ready" once it listens, then one line per message, "RECIPIENT MESSAGE-ID", as soon as
the message's data has arrived (before the delay and the 250): a relay that has the whole
message may deliver it though the client dies before reading the answer (RFC 1047), so a
message in flight when the sender is killed counts as received. "answered RECIPIENT" follows
when the 250 is given.
"""

from __future__ import annotations

import asyncio
import sys
from email.parser import BytesHeaderParser

from aiosmtpd.controller import Controller


class Slow:
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):
        message_id = self.parser.parsebytes(envelope.content)["Message-ID"]
        for recipient in envelope.rcpt_tos:
            sys.stdout.write(f"{recipient} {message_id}\n")
        sys.stdout.flush()
        await asyncio.sleep(self.delay)
        sys.stdout.write("".join(f"answered {recipient}\n" for recipient in envelope.rcpt_tos))
        sys.stdout.flush()
        return "250 2.0.0 OK"


def main() -> None:
    port, delay = int(sys.argv[1]), float(sys.argv[2])
    controller = Controller(Slow(delay), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # until the bench closes our stdin (or dies)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
