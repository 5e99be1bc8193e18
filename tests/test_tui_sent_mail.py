"""Sent mail shows what it exists to show: the message's whole text, scrollable, its link seen
at 80x24 whatever the body's length, and a key that copies the link (OSC 52)."""

from __future__ import annotations

import datetime as dt
import email
import re
from email.policy import default as default_policy

from linkdesk.mail.capture import CapturedMail
from linkdesk.mail.compose import Invitation, compose
from tests.harness import on_sqlite, running, settle, wait_for
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
        # A row is one line, cut with an ellipsis: at 80 columns a row took three, and the
        # list's eight lines showed two messages.
        listed = pilot.app.screen.query_one("#sent-list")
        assert listed.virtual_size.height == listed.option_count == 1, listed.virtual_size
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


async def _captured_invitations(store, maildir, *, reinvite: bool) -> list[str]:
    """Invite a client (and re-invite her), each message captured as the capture keeps it;
    the links, oldest first."""
    from linkdesk.mail.capture import _store
    from linkdesk.mail.outgoing import request_for
    from tests.helpers import add_client, make_preparer

    maildir.parent.mkdir(parents=True, exist_ok=True)
    firm = await make_preparer(store)
    other = await add_client(store, firm.firm_id, first_name="Luc", last_name="Roy",
                             email="luc@example.com")
    emilie = await add_client(store, firm.firm_id, first_name="Émilie", last_name="Gagnon",
                              email="emilie@example.com", language="fr")
    links = []
    for client, again in ((emilie, False), (other, False), (emilie, True)):
        if again and not reinvite:
            continue
        request = request_for(await store.clients.details(client), 2025,
                              firm_name="Cabinet Tremblay", preparer_name="Marie",
                              sender_address="portail@tremblay.ca")
        await store.invitations.invite_many([request], firm.id, "http://127.0.0.1:8765",
                                            reinvite=again)
        (job,) = await store.invitations.claim_many(10)
        _store(maildir, job.raw)
        await store.invitations.delivered(job, "250 OK")
        links.append(re.search(rb"http://\S+/i/[\w-]+", job.raw.replace(b"=\r\n", b""))
                     .group(0).decode())
    return links


async def _opened(pilot) -> SentMailScreen:
    """`o` from the list: its worker waits on the dialog, so `settle` would wait for ever."""
    await pilot.press("o")
    await wait_for(lambda: isinstance(pilot.app.screen, SentMailScreen)
                   and pilot.app.screen.complete, timeout=15)
    await pilot.pause()
    return pilot.app.screen


async def _shown(pilot, screen, *keys: str) -> str:
    """Press `keys` and wait for the message they open."""
    before = str(screen.query_one("#sent-text").render())
    await pilot.press(*keys)
    await wait_for(lambda: str(screen.query_one("#sent-text").render()) != before, timeout=15)
    return str(screen.query_one("#sent-text").render())


def _rows(screen) -> list[str]:
    listed = screen.query_one("#sent-list")
    return [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]


async def test_rows_are_dated_newest_first_and_a_replaced_invitation_is_marked(store, tmp_path):
    from linkdesk.settings import Settings
    from tests.harness import open_list
    from tui.app import make_app
    from tui.screens.sent_mail import sent_at

    settings = Settings(db_url="(given store)", tax_year=2025, data_dir=tmp_path / "data")
    first, _luc, second = await _captured_invitations(store, settings.maildir, reinvite=True)
    assert (await store.invitations.view(first.rsplit("/", 1)[1])).state == "cancelled"
    app = make_app(settings, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        screen = await _opened(pilot)
        rows = _rows(screen)
        assert len(rows) == 3
        # Newest first: the re-invitation, Luc's, then the first invitation, marked.
        assert "emilie@example.com" in rows[0] and "replaced" not in rows[0]
        assert "luc@example.com" in rows[1] and "replaced" not in rows[1]
        assert "emilie@example.com" in rows[2] and "replaced" in rows[2]
        for row, mail in zip(rows, screen.rows, strict=True):  # each row has its date and time
            assert mail.heads.date is not None
            assert row.startswith(sent_at(mail.heads.date))
            assert re.search(r"\d{1,2}:\d\d", row), row
        # No token in a row: only the opened message shows its link.
        for link in (first, second):
            token = link.rsplit("/", 1)[1]
            assert not any(token in row for row in rows)
            assert token not in repr(screen.rows)
        # Nothing but the headers was read to list them.
        assert not any("message" in vars(mail) for mail in screen.rows)

        text = await _shown(pilot, screen, "end", "enter")  # the replaced one
        assert first in text
        assert "replaced this one: this link no longer works" in text
        assert "Sent: " + sent_at(screen.rows[2].heads.date) in text
        text = await _shown(pilot, screen, "home", "enter")  # the new one: no note
        assert second in text and "no longer works" not in text


async def test_a_long_capture_lists_all_its_rows_and_reads_no_body(store, tmp_path):
    """More messages than drawn at first: the older rows come in behind, oldest last, and
    their link states are asked for only once they can be seen."""
    from linkdesk.mail.capture import FIRST_ROWS, _store
    from linkdesk.settings import Settings
    from tests.harness import open_list
    from tests.helpers import make_preparer
    from tui.app import make_app

    settings = Settings(db_url="(given store)", tax_year=2025, data_dir=tmp_path / "data")
    settings.maildir.parent.mkdir(parents=True)
    await make_preparer(store)
    count = FIRST_ROWS * 3
    for n in range(count):
        raw = compose(Invitation("Cabinet Tremblay", "firm@example.com", f"Client {n}",
                                 f"c{n}@example.com", f"Message {n}", "Hello", LINK + str(n)),
                      f"<m{n}@example.com>", dt.datetime(2026, 3, 2, 9, 0) + dt.timedelta(
                          minutes=n))
        _store(settings.maildir, raw)
    app = make_app(settings, store)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        screen = await _opened(pilot)
        rows = _rows(screen)
        assert len(rows) == count
        assert "Message 119" in rows[0] and "Message 0" in rows[-1]
        assert not any("message" in vars(mail) for mail in screen.rows)
        # Unknown tokens (not this database's): the rows in sight say so, the far ones wait.
        assert "link no longer works" in rows[0]
        assert "link no longer works" not in rows[-1]
        assert screen.complete
