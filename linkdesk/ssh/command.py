"""`ssh desk status [--tax-year Y] [--json]`: the one command the door runs, read and run in a
process of its own (a fork of the warm process when there is one, else a new Python)."""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import sys

from linkdesk.i18n import _
from linkdesk.ssh.warm import WarmStarter, WarmUnavailable

log = logging.getLogger("linkdesk.ssh")


async def run_status(warm: WarmStarter | None, env: dict[str, str],
                     handoff: int) -> tuple[bytes, bytes, int]:
    """`status` with its settings in the pipe `handoff` (which stays the caller's): what it
    wrote to stdout and to stderr, and its exit status (negative: killed by that signal)."""
    if warm is not None:
        try:
            return await _forked(warm, env, handoff)
        except WarmUnavailable as exc:
            log.warning("ssh: status started as a new process (%s)", exc)
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkdesk.ssh.desk", "status", str(handoff),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env=env, pass_fds=(handoff,), start_new_session=True)
    out, err = await child.communicate()
    assert child.returncode is not None
    return out, err, child.returncode


async def _forked(warm: WarmStarter, env: dict[str, str],
                  handoff: int) -> tuple[bytes, bytes, int]:
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    nothing = os.open(os.devnull, os.O_RDONLY)
    try:
        child = await warm.spawn("status", env, (nothing, out_write, err_write), handoff)
    except BaseException:
        os.close(out_read)
        os.close(err_read)
        raise
    finally:
        for fd in (nothing, out_write, err_write):
            os.close(fd)
    out, err = await asyncio.gather(_read_all(out_read), _read_all(err_read))
    return out, err, await child.wait()


async def _read_all(fd: int) -> bytes:
    """Everything written to the pipe `fd` until its writers are gone; `fd` is closed."""
    reader = asyncio.StreamReader()
    transport, _protocol = await asyncio.get_running_loop().connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
    try:
        return await reader.read()
    finally:
        transport.close()


def parse_command(command: str) -> dict | str:
    """`status [--tax-year Y] [--json]` as the session's handoff, or why it is refused."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = []
    if not words or words[0] != "status":
        return _("not {command!r}").format(command=command[:60])
    tax_year, as_json, rest = None, False, words[1:]
    while rest:
        word = rest.pop(0)
        if word == "--json":
            as_json = True
        elif word in ("--tax-year", "-y") or word.startswith("--tax-year="):
            value = word.split("=", 1)[1] if "=" in word else (rest.pop(0) if rest else "")
            if not value.isdigit() or not 1900 <= int(value) <= 2999:
                return _("not a tax year: {value!r}").format(value=value[:20])
            tax_year = int(value)
        else:
            return _("not {command!r}").format(command=word[:60])
    return {"tax_year": tax_year, "json": as_json}
