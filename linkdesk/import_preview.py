"""A client file's import preview in words, shared by `linkdesk import clients` and the desk's
import screen: columns recognised and ignored, what would be added, skipped and why."""

from __future__ import annotations

from linkdesk.i18n import N_, _, ngettext

FIELD_NAMES = {  # a field as the preview names it, translated when shown
    "first_name": N_("first name"), "last_name": N_("last name"),
    "organization_name": N_("organization"), "email": N_("email"), "phone": N_("phone"),
    "language": N_("language"), "kind": N_("kind"),
}


def describe_plan(plan, shown_errors: int = 20) -> list[str]:
    """The preview: columns recognised and ignored, then what would be imported and skipped."""
    from linkdesk.labels import field_error

    lines = [_("{file}: {encoding}, columns separated by {delimiter!r}").format(
        file=plan.path.name, encoding=plan.encoding, delimiter=plan.delimiter)]
    for index, name in sorted(plan.mapping.items()):
        lines.append(f"  {plan.header[index]!r} → {_(FIELD_NAMES[name])}")
    if plan.ignored_columns:
        lines.append(_("  ignored: {columns}").format(
            columns=", ".join(repr(c) for c in plan.ignored_columns)))
    ready, bad = len(plan.ready), len(plan.bad)
    in_file, in_firm = len(plan.duplicates_in_file), len(plan.duplicates_existing)
    lines.append(_("{ready}; {bad}; skipped: {in_file} and {in_firm}.").format(
        ready=ngettext("{n} client to add", "{n} clients to add", ready).format(n=ready),
        bad=ngettext("{n} row with errors", "{n} rows with errors", bad).format(n=bad),
        in_file=ngettext("{n} duplicate in the file", "{n} duplicates in the file",
                         in_file).format(n=in_file),
        in_firm=ngettext("{n} already in the firm", "{n} already in the firm",
                         in_firm).format(n=in_firm)))
    for row in plan.bad[:shown_errors]:
        field, _sep, code = row.reason.rpartition(": ")
        reason = field_error(code)
        what = _("{field}: {reason}").format(field=_(FIELD_NAMES.get(field, field)),
                                             reason=reason) if field else reason
        lines.append(_("  line {line}: {what}").format(line=row.line, what=what))
    if len(plan.bad) > shown_errors:
        lines.append(_("  … and {n} more").format(n=len(plan.bad) - shown_errors))
    return lines
