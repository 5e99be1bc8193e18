"""The relay check said for people, shared by `linkdesk mail check` and the desk's sent-mail
screen: each step as a line, with what to change when it failed."""

from __future__ import annotations

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
