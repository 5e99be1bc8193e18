"""`linkdesk mail check`: the relay checked step by step, with what to change for a failure."""

from __future__ import annotations

import json
import sys

from linkdesk.i18n import _
from linkdesk.mail.check_report import STEP_LABELS, run_check, step_lines


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
