"""The door's host key: ed25519, made once, readable by the service's user only (0600)."""

from __future__ import annotations

import os
from pathlib import Path


class HostKeyError(OSError):
    """The host key cannot be read or made; the message says which file and why."""


def load_or_make(path: Path):
    """The key at `path`, made there first if there is none (never replaced: preparers' clients
    remember it). A key others may read is tightened to 0600."""
    import asyncssh

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = asyncssh.generate_private_key("ssh-ed25519")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another service made it meanwhile: use that one
            return load_or_make(path)
        except OSError as exc:
            raise HostKeyError(f"{path}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "wb") as out:
            out.write(key.export_private_key())
        return key
    try:
        if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(0o600)
        return asyncssh.read_private_key(str(path))
    except (OSError, asyncssh.KeyImportError) as exc:
        raise HostKeyError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None


def host_fingerprint(path: Path) -> str | None:
    """The fingerprint of the key at `path` (SHA256:...), or None when it is not made yet."""
    if not path.exists():
        return None
    import asyncssh

    from linkdesk.ssh.keys import fingerprint

    try:
        return fingerprint(asyncssh.read_private_key(str(path)))
    except (OSError, asyncssh.KeyImportError):
        return None
