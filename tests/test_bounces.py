"""Bounces reach the list: real Postfix delivery reports, read by the stdlib, through the real
intake, turn an invitation "Delivery failed" with the remote server's words; a delay is an
event; an invitation that already ended only gets a line in its history; an auto-reply and
anything that is not a report change nothing."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from linkdesk.mail.bounce_intake import BounceIntake
from linkdesk.mail.delivery import DeliveryWorker
from linkdesk.mail.outgoing import request_for
from linkdesk.mail.relay import RelayConfig
from linkdesk.mail.reports import read_report
from linkdesk.mail.sender import SmtpSender
from linkdesk.mail.verp import return_path, tag_of
from store import ClientQuery
from store.bounces import Report
from store.models import Outbox, OutboxTag
from tests.helpers import add_client, make_preparer
from tests.postfix import FIRM_DOMAIN, Postfix, free_port, need_postfix

YEAR = 2025
FIXTURES = Path(__file__).parent / "fixtures"
BOUNCES = f"bounces@{FIRM_DOMAIN}"


def auto_reply(to: str) -> bytes:
    """What a vacation responder sends back to the Return-Path."""
    message = EmailMessage()
    message["From"] = "Émilie Gagnon <emilie@clients.linkdesk.example>"
    message["To"] = to
    message["Subject"] = "Out of office / Absente du bureau"
    message["Auto-Submitted"] = "auto-replied"
    message.set_content("I am away until March 15. / Je suis absente jusqu'au 15 mars.")
    return message.as_bytes()


def test_real_postfix_reports_are_read_with_their_words():
    (failed,) = read_report((FIXTURES / "postfix-dsn-failed.eml").read_bytes())
    assert (failed.action, failed.status) == ("failed", "5.1.1")
    assert failed.diagnostic == 'unknown user: "no-such-client"'
    assert failed.recipient == "no-such-client@clients.linkdesk.test"
    (delayed,) = read_report((FIXTURES / "postfix-dsn-delayed.eml").read_bytes())
    assert (delayed.action, delayed.status) == ("delayed", "4.4.1")
    assert delayed.diagnostic.startswith("connect to 127.0.0.1[127.0.0.1]")


@pytest.mark.parametrize("raw", [auto_reply(BOUNCES), b"", b"\x00\xff garbage",
                                 b"Content-Type: multipart/report; report-type=disposition-"
                                 b"notification; boundary=x\r\n\r\n--x--\r\n"])
def test_what_is_not_a_delivery_report_is_none(raw):
    assert read_report(raw) is None


def test_verp_addresses_carry_the_tag_and_nothing_else_is_ours():
    assert return_path(BOUNCES, "0123456789abcdef", "p@x.ca") == \
        f"bounces+0123456789abcdef@{FIRM_DOMAIN}"
    assert return_path("", "0123456789abcdef", "p@x.ca") == "p@x.ca"
    assert tag_of(BOUNCES, f"<Bounces+0123456789ABCDEF@{FIRM_DOMAIN.upper()}>") == \
        "0123456789abcdef"
    for other in (f"bounces@{FIRM_DOMAIN}", f"bounces+xyz@{FIRM_DOMAIN}",
                  "bounces+0123456789abcdef@elsewhere.ca", f"postmaster@{FIRM_DOMAIN}"):
        assert tag_of(BOUNCES, other) is None


async def invited(store, emails: list[str]):
    firm = await make_preparer(store)
    ids = [await add_client(store, firm.firm_id, organization_name=f"Client {i}", email=email)
           for i, email in enumerate(emails)]
    requests = [request_for(await store.clients.details(i), YEAR, firm_name="Cabinet",
                            preparer_name="marie", sender_address=f"portail@{FIRM_DOMAIN}")
                for i in ids]
    await store.invitations.invite_many(requests, firm.id, "http://127.0.0.1:8765")
    tags = {invitation: tag for invitation, tag in await store.list(
        Outbox.select(Outbox.invitation, OutboxTag.return_tag)
        .join(OutboxTag, on=(OutboxTag.outbox == Outbox.id)).order_by(Outbox.id).tuples())}
    return firm, ids, tags


async def statuses(store, firm) -> list[str]:
    rows = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR), 0, 50)
    return [r.status for r in sorted(rows, key=lambda r: r.id)]


async def events(store, client_id) -> list[tuple]:
    return [(kind, detail) for kind, detail, *_rest in await store.clients.events(client_id)]


async def test_the_rules_of_a_report(store):
    firm, ids, tags = await invited(store, [f"c{i}@example.com" for i in range(4)])
    for job in await store.invitations.claim_many(10):
        await store.invitations.delivered(job, "250 OK")
    tag = list(tags.values())
    await store.invitations.cancel(ids[2], YEAR, firm.id)
    outcomes = await store.bounces.record([
        Report(tag[0], "failed", "5.1.1", "550 5.1.1 <c0@example.com>: User unknown",
               "mx.example.com"),
        Report(tag[1], "delayed", "4.4.1", "connect to mx.example.com: timed out"),
        Report(tag[2], "failed", "5.1.1", "User unknown"),  # cancelled before it came
        Report(tag[0], "failed", "5.1.1", "User unknown"),  # the same bounce twice
        Report("ffffffffffffffff", "failed", "5.1.1", "?"),
        Report(tag[3], "delivered", "2.0.0"),
    ])
    assert outcomes == ["marked_failed", "delay_noted", "history_only", "already_known",
                        "unknown", "ignored"]
    assert await statuses(store, firm) == ["failed", "pending", "not_invited", "pending"]
    counts = await store.clients.status_counts(firm.firm_id, YEAR)
    assert counts["failed"] == 1
    rows = await store.clients.page(ClientQuery(firm_id=firm.firm_id, tax_year=YEAR,
                                                status="failed"), 0, 50)
    assert [r.id for r in rows] == [ids[0]]  # the list's filter shows it
    kinds = [kind for kind, _detail in await events(store, ids[0])]
    assert kinds.count("invitation_bounced") == 1
    assert "delivery_delayed" in [k for k, _d in await events(store, ids[1])]
    assert "bounce_after_end" in [k for k, _d in await events(store, ids[2])]
    from store.models import Invitation

    (failure,) = [f for (f,) in await store.list(Invitation.select(Invitation.failure)
                                                 .where(Invitation.client == ids[0]).tuples())]
    assert failure == "550 5.1.1 <c0@example.com>: User unknown"


async def send_dsn(port: int, to: str, raw: bytes):
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=10)
    await smtp.connect()
    try:
        return await smtp.sendmail("", [to], raw)
    finally:
        await smtp.quit()


async def test_the_intake_takes_reports_only_for_its_addresses(store):
    firm, ids, tags = await invited(store, ["no-such-client@clients.linkdesk.example",
                                            "emilie@clients.linkdesk.example"])
    for job in await store.invitations.claim_many(10):
        await store.invitations.delivered(job, "250 OK")
    changed = []
    intake = await BounceIntake(store, BOUNCES, port=0, on_change=lambda: changed.append(1)
                                ).start()
    try:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await send_dsn(intake.port, f"postmaster@{FIRM_DOMAIN}", b"Subject: x\r\n\r\nx\r\n")
        tag = list(tags.values())
        real = (FIXTURES / "postfix-dsn-failed.eml").read_bytes()
        await send_dsn(intake.port, return_path(BOUNCES, tag[0], ""), real)
        await send_dsn(intake.port, return_path(BOUNCES, tag[1], ""),
                       auto_reply(return_path(BOUNCES, tag[1], "")))
    finally:
        await intake.stop()
    assert await statuses(store, firm) == ["failed", "pending"]
    assert changed
    (bounced,) = [d for k, d in await events(store, ids[0]) if k == "invitation_bounced"]
    assert bounced["reason"] == 'unknown user: "no-such-client"' and bounced["status"] == "5.1.1"


async def until(condition, timeout: float = 60.0) -> None:
    async def wait():
        while not await condition():
            await asyncio.sleep(0.1)

    await asyncio.wait_for(wait(), timeout)


async def test_through_a_real_postfix(store):
    need_postfix()
    firm, ids, tags = await invited(store, ["no-such-client@clients.linkdesk.example",
                                            "someone@slow.linkdesk.example",
                                            # a user Postfix delivers to, whose vacation
                                            # responder answers
                                            "nobody@clients.linkdesk.example"])
    intake = await BounceIntake(store, BOUNCES, port=free_port()).start()
    postfix = Postfix(intake.port).start()
    try:
        worker = DeliveryWorker(store, SmtpSender(RelayConfig("127.0.0.1", postfix.port,
                                                              "plain", timeout=10)),
                                bounce_address=BOUNCES)
        assert await worker.run_once() is True
        await worker.sender.close()
        # Emilie's vacation responder answers the invitation to its Return-Path.
        emilie_tag = list(tags.values())[2]
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=postfix.port, timeout=10)
        await smtp.connect()
        await smtp.sendmail("nobody@clients.linkdesk.example",
                            [return_path(BOUNCES, emilie_tag, "")],
                            auto_reply(return_path(BOUNCES, emilie_tag, "")))
        await smtp.quit()

        async def reported():
            kinds = [k for k, _d in await events(store, ids[1])]
            return (await statuses(store, firm))[0] == "failed" and "delivery_delayed" in kinds

        try:
            await until(reported)
        except TimeoutError:
            raise AssertionError(postfix.log()) from None
        await asyncio.sleep(1)  # the auto-reply has had its time too
        assert intake.handler.received >= 3
    finally:
        postfix.stop()
        await intake.stop()
    assert await statuses(store, firm) == ["failed", "pending", "pending"]
    (words,) = [d for k, d in await events(store, ids[0]) if k == "invitation_bounced"]
    assert words["reason"] == 'unknown user: "no-such-client"'  # Postfix's own words
    assert "invitation_bounced" not in [k for k, _d in await events(store, ids[2])]
