"""The webhooks' queue and their receiver's last answer, for `linkdesk status` and /healthz."""

from __future__ import annotations

import datetime as dt

from linkdesk.i18n import _


def hooks_json(hooks, now: dt.datetime) -> dict:
    """For scripts and probes: no event, client or address, only counts and the last answer."""
    age = hooks.oldest_age_s(now)
    return {"queue": hooks.waiting, "oldest_waiting_s": None if age is None else round(age, 1),
            "last_status": hooks.last_status, "last_error": hooks.last_error,
            "last_at": hooks.last_at.isoformat() + "Z" if hooks.last_at else None}


def hook_lines(hooks, now: dt.datetime) -> list[str]:
    """For people: said only once there has been a webhook."""
    if not hooks.waiting and hooks.last_at is None:
        return []
    lines = ["", _("Webhooks waiting: {n}").format(n=hooks.waiting)]
    age = hooks.oldest_age_s(now)
    if age is not None:
        lines[1] += " " + _("(oldest {minutes} min)").format(minutes=round(age / 60))
    if hooks.last_at is None:
        lines.append(_("No receiver has answered yet: they are sent by the service (or the "
                       "app) whose settings have hooks.url."))
    else:
        from linkdesk.labels import when_at

        at = when_at(hooks.last_at)
        said = f"HTTP {hooks.last_status}" if hooks.last_status is not None else \
            hooks.last_error or "?"
        if hooks.last_status is not None and hooks.last_error is None \
                and 200 <= hooks.last_status < 300:
            lines.append(_("The receiver's last answer: {said} ({at}).").format(said=said, at=at))
        else:
            lines.append(_("The receiver's last answer: {said} ({at}); events are tried again "
                           "with backoff until it takes them.").format(said=said, at=at))
    return lines
