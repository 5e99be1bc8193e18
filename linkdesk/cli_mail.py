"""`linkdesk mail check`: the relay checked step by step, with what to change for a failure."""

from __future__ import annotations

import json
import sys

from linkdesk.i18n import N_, _

STEP_LABELS = {"connect": N_("connect"), "tls": N_("TLS"), "login": N_("login"),
               "send": N_("test message")}


def step_lines(steps) -> list[str]:
    """The steps for people: a mark, the step, what was found, and what to change."""
    from linkdesk.labels import relay_advice

    width = max(len(_(label)) for label in STEP_LABELS.values())
    marks = {True: _("ok"), False: _("FAILED"), None: _("skipped")}
    mark_width = max(len(mark) for mark in marks.values())
    lines = []
    for step in steps:
        label = _(STEP_LABELS[step.name])
        detail = step.detail or (_("not tried") if step.ok is None else "")
        lines.append(f"  {marks[step.ok]:<{mark_width}}  {label:<{width}}  {detail}".rstrip())
        if step.ok is False:
            lines.append(" " * (mark_width + width + 6) + relay_advice(step.kind))
    return lines


async def run_check(settings, send_to: str | None):
    from linkdesk.mail.check import check_relay
    from linkdesk.mail.relay import RelayConfig, tls_context

    relay = RelayConfig.parse(settings.smtp_url, password=settings.smtp_password or None,
                              timeout=15, trusted_link=settings.smtp_trusted_link)
    steps = await check_relay(relay, tls_context(settings.smtp_ca_file),
                              settings.sender_address, send_to)
    return relay, steps


async def mail_check(settings, args, usage_error, no_relay: int) -> int:
    """Exit 0 when every step passed, 1 when one failed; `no_relay` when none is set: nothing
    the person typed is wrong, mail simply goes to the built-in capture."""
    if not settings.smtp_url:
        print("linkdesk: " + _("no relay is set (mail.relay): mail goes to the built-in "
                               "capture in {folder}, there is no relay to check").format(
            folder=settings.maildir), file=sys.stderr)
        return no_relay
    if args.send_to and ("@" not in args.send_to or any(c in args.send_to for c in "\r\n ")):
        raise usage_error(_("--send-to: not an email address: {value!r}").format(
            value=args.send_to))
    relay, steps = await run_check(settings, args.send_to)
    passed = not any(step.ok is False for step in steps)
    if args.json:
        print(json.dumps({"relay": relay.describe(), "passed": passed,
                          "steps": [{"step": s.name, "ok": s.ok, "detail": s.detail,
                                     "problem": s.kind} for s in steps]}))
        return 0 if passed else 1
    print(_("Checking the relay {relay}").format(relay=relay.describe()))
    for line in step_lines(steps):
        print(line)
    failed = next((s for s in steps if s.ok is False), None)
    if failed is None:
        print(_("Every step passed."))
        return 0
    print(_("The check failed at: {step}.").format(step=_(STEP_LABELS[failed.name])))
    return 1
