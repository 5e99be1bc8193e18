"""The service's settings handed to a session's process through a pipe, not argv nor the env."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from linkdesk.settings import Settings

_PATHS = {f.name for f in dataclasses.fields(Settings)
          if "Path" in str(f.type)}


def encode(settings: Settings, **extra) -> bytes:
    """The settings (secrets included: the pipe is the session's alone) and `extra` as JSON."""
    values = {}
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        values[f.name] = str(value) if isinstance(value, Path) else (
            list(value) if isinstance(value, tuple) else value)
    return json.dumps({"settings": values, **extra}).encode()


def decode(data: bytes) -> tuple[Settings, dict]:
    given = json.loads(data)
    values = given.pop("settings")
    for name in _PATHS:
        if values.get(name) is not None:
            values[name] = Path(values[name])
    if values.get("trusted_proxies") is not None:
        values["trusted_proxies"] = tuple(values["trusted_proxies"])
    return Settings(**values), given


def pipe_with(data: bytes) -> int:
    """A pipe holding `data`, its read end returned (to pass to the child), the write end closed.
    The data must fit the pipe's buffer (64 KiB on Linux): settings are a few hundred bytes."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, data)
    finally:
        os.close(write_end)
    return read_end


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks)
