"""`linkdesk network import FILE`: load the member directory from CSV, with a progress bar."""

from __future__ import annotations

import sys
import time

from linkdesk.i18n import _
from linkdesk.labels import linked_sync_message
from linkdesk.labels import seconds as format_seconds


async def network_import(target, args, open_store, usage_error) -> int:
    """Import, print what was loaded and every skipped row; exit 1 when rows were skipped."""
    from store.directory_import import (
        ImportFileError,
        MemberFile,
        import_members,
        report_json,
    )

    try:
        MemberFile(args.file).close()  # a missing or unreadable file: one line, exit 2
    except ImportFileError as exc:
        raise usage_error(str(exc)) from None
    store = await open_store(target, pool_size=1)
    started = time.perf_counter()
    try:
        with _ProgressBar() as progress:
            try:
                report = await import_members(store, args.file, progress)
            except ImportFileError as exc:
                raise usage_error(str(exc) + " " + _("(nothing was imported)")) from None
    finally:
        await store.close()
    seconds = time.perf_counter() - started
    if args.json:
        print(report_json(report))
    else:
        print(format_report(report))
        print(_("Done in {seconds} s.").format(seconds=format_seconds(seconds)),
              file=sys.stderr)
    return 1 if report.errors else 0


def format_report(report, shown_errors: int = 50) -> str:
    """The import's outcome as lines a person reads (errors by line number)."""
    from linkdesk.labels import member_row_error

    lines = [_("{loaded} members loaded: {added} added, {updated} updated, {unchanged} "
               "unchanged; {skipped} rows skipped.").format(
        loaded=report.loaded, added=report.added, updated=report.updated,
        unchanged=report.unchanged, skipped=len(report.errors))]
    if linked := linked_sync_message(report.linked_updated, report.linked_held):
        lines.append(linked)
    for error in report.errors[:shown_errors]:
        lines.append(_("line {line}: {reason}").format(
            line=error.line, reason=member_row_error(error.reason, error.value)))
    if len(report.errors) > shown_errors:
        lines.append(_("… and {n} more").format(n=len(report.errors) - shown_errors))
    return "\n".join(lines)


class _ProgressBar:
    """A progress bar on stderr when it is a terminal; silent otherwise (scripts, CI)."""

    def __enter__(self):
        if not sys.stderr.isatty():
            return None
        from rich.console import Console
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        self._progress = Progress(
            _("Importing"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task("import", total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(self._task, completed=done, total=total)

        return update

    def __exit__(self, *exc_info) -> None:
        if getattr(self, "_progress", None) is not None:
            self._progress.stop()
