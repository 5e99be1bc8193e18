"""Reading delivery status notifications (RFC 3464) with the standard library.

Why not flufl.bounce: it recognises many bounce formats, but only to say which addresses
bounced; it does not tell a failure from a delay, nor give the status code or the remote
server's words, which are what the preparer needs to see. Every MTA in use writes RFC 3464
reports (multipart/report; report-type=delivery-status), and the standard library parses
their message/delivery-status part into fields. An auto-reply ("out of office") is not a
report and is ignored; so is anything else that is not one.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.policy import compat32

SEVERITY = {"failed": 3, "delayed": 2, "delivered": 1, "relayed": 1, "expanded": 1}


@dataclass(frozen=True)
class RecipientReport:
    """What a report says about one recipient of the original message."""

    action: str
    status: str
    diagnostic: str
    remote_mta: str
    recipient: str


def _text(value) -> str:
    """A field as text: folded lines joined, RFC 2047 words decoded (rare in reports)."""
    text = " ".join(str(value or "").split())
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (ValueError, LookupError):
            pass  # kept as it came
    return text


def _typed(value) -> str:
    """`smtp; 550 5.1.1 ...` → `550 5.1.1 ...` (the address or diagnostic type dropped)."""
    text = _text(value)
    kind, semicolon, rest = text.partition(";")
    return rest.strip() if semicolon and " " not in kind.strip() else text


def read_report(raw: bytes) -> list[RecipientReport] | None:
    """The per-recipient parts of a delivery report, or None when `raw` is not one."""
    try:
        # compat32: ten times faster than the modern policy here, and a report's fields are
        # plain ASCII; the few that are not are decoded by _text.
        message = BytesParser(policy=compat32).parsebytes(raw)
    except Exception:  # a message the parser cannot read at all is nothing we can use
        return None
    if message.get_content_type() != "multipart/report":
        return None
    report_type = message.get_param("report-type")
    if not isinstance(report_type, str) or report_type.lower() != "delivery-status":
        return None
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list) or len(blocks) < 2:
            return None
        reports = []
        for block in blocks[1:]:  # the first block is about the message as a whole
            if isinstance(block, str):  # not a header block: nothing of a recipient
                continue
            action = _text(block.get("Action", "")).lower()
            if action not in SEVERITY:
                continue
            reports.append(RecipientReport(
                action=action, status=_text(block.get("Status", ""))[:20],
                diagnostic=_typed(block.get("Diagnostic-Code"))[:500],
                remote_mta=_typed(block.get("Remote-MTA"))[:200],
                recipient=_typed(block.get("Final-Recipient") or
                                 block.get("Original-Recipient"))[:320]))
        return reports or None
    return None


def most_severe(reports: list[RecipientReport]) -> RecipientReport:
    """We send each message to one address: its failure outweighs a delay or a success."""
    return max(reports, key=lambda r: SEVERITY.get(r.action, 0))
