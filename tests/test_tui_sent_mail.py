"""Sent mail shows what it exists to show: the message's whole text, scrollable, its link seen
at 80x24 whatever the body's length, and a key that copies the link (OSC 52)."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default as default_policy

from linkdesk.mail.capture import CapturedMail
from linkdesk.mail.compose import Invitation, compose
from tests.harness import on_sqlite, running, settle
from tui.screens.sent_mail import SentMailScreen

pytestmark = on_sqlite

LINK = "http://127.0.0.1:8765/i/abcdefghijklmnopqrstuvwxyz0123456789"


async def test_the_link_is_seen_at_80x24_and_copied(store):
    body = "\n".join(f"Paragraph {n}: thank you for your trust this year." for n in range(30))
    raw = compose(Invitation("Cabinet Tremblay", "firm@example.com", "Marie Roy",
                             "marie@example.com", "Your client portal", body, LINK),
                  "<m1@example.com>", dt.datetime(2026, 3, 2, 9, 0))
    mail = CapturedMail("k1", email.message_from_bytes(raw, policy=default_policy))
    async with running(store, size=(80, 24)) as pilot:
        pilot.app.push_screen(SentMailScreen([mail]))
        await settle(pilot)
        await pilot.press("enter")  # the first (only) message
        await settle(pilot)
        screen = pilot.app.screen
        text = str(screen.query_one("#sent-text").render())
        body_box = screen.query_one("#sent-body")
        shown = text.splitlines()[: body_box.size.height]
        assert any(LINK in line for line in shown), shown  # seen without scrolling
        assert "Paragraph 29" in text  # the whole text is there, to scroll to
        await pilot.press("l")
        await settle(pilot)
        assert pilot.app.clipboard == LINK
