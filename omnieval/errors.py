"""Errors with a message meant for the user: the CLI prints them as one line, no traceback."""

from __future__ import annotations

import difflib
import errno
import signal
from collections.abc import Iterable
from pathlib import Path


class OmnievalError(Exception):
    """A problem with the user's input or environment, explained in one line."""


class MediaError(OmnievalError):
    """A media item is missing, corrupt or cannot be decoded; fails one sample, not the run."""


class RunStopped(OmnievalError):
    """A run stopped before its end; its finished samples are kept, and `--resume` continues it (exit 3)."""


class FatalRunnerError(RunStopped):
    """The model cannot serve any request (unreachable server, bad credentials): stop the run."""


class StorageError(RunStopped):
    """A run's results cannot be written any more (a full disk, a folder that became read-only): stop the run."""


class RunInterrupted(OmnievalError):
    """SIGINT or SIGTERM stopped a run; what was done is kept. The CLI exits 128 + the signal's number."""

    def __init__(self, message: str, signum: int) -> None:
        super().__init__(message)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


#: errnos of a device that is full (or a quota that is used up)
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})
#: errnos of a place this process may not write
NOT_WRITABLE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def write_failure(err: OSError, path: str | Path | None = None) -> str:
    """What went wrong writing `path` (or the file the error names), in words that say what to do."""
    where = path if path is not None else (err.filename or "a file")
    reason = err.strerror or error_line(err)
    if err.errno in NO_SPACE:
        return f"cannot write {where}: {reason}; free some space"
    return f"cannot write {where}: {reason}"


def first_line(err: BaseException) -> str:
    """The first line of an exception's message, or its type's name when the message is empty."""
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


def error_line(err: BaseException) -> str:
    """`Type: first line of the message`: how a failed sample records an unexpected exception."""
    lines = str(err).strip().splitlines()
    return f"{type(err).__name__}: {lines[0]}" if lines else type(err).__name__


def unknown_name(kind: str, name: str, known: Iterable[str]) -> OmnievalError:
    """An error for an unregistered name that suggests the closest registered ones."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    if not close:
        close = [k for k in known if name.lower() in k or k.startswith(name.lower()[:4])][:3]
    if close:
        hint = f"; did you mean {', '.join(close)}?"
    elif len(known) <= 12:
        hint = f"; known: {', '.join(known) or 'none'}"
    else:
        hint = f"; see `omnieval {kind}s`"
    return OmnievalError(f"unknown {kind} '{name}'{hint}")
