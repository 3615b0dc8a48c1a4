"""What omnieval tells about its work: the standard `logging` module under the logger "omnieval".

The command line shows records at `--log-level` (warning by default) on stderr; every run also
keeps its own `run.log` in its folder, at info level whatever the console shows: the settings it
resolved, the model load, each failed sample and retried request, and how it ended.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omnieval.errors import OmnievalError

LOGGER = logging.getLogger("omnieval")
LEVELS = ("debug", "info", "warning", "error")
RUN_LOG = "run.log"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_console(level: str) -> None:
    """Show omnieval's records from `level` on (one of LEVELS) on stderr."""
    if level.lower() not in LEVELS:
        raise OmnievalError(f"--log-level takes {', '.join(LEVELS)}, not '{level}'")
    handler = logging.StreamHandler()
    handler.setLevel(level.upper())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    LOGGER.addHandler(handler)
    LOGGER.setLevel(min(LOGGER.getEffectiveLevel(), handler.level))


class _RunLogHandler(logging.FileHandler):
    """run.log's handler: a record it cannot write (a full disk) ends its writing quietly, instead of a
    traceback on stderr for each record (what stopped the run, if anything, says more)."""

    broken = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.broken:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        self.broken = True


@contextmanager
def run_log(folder: Path) -> Iterator[None]:
    """While inside, omnieval's records from info on are appended to `folder`/run.log (a resumed run adds to it)."""
    try:
        handler = _RunLogHandler(folder / RUN_LOG, encoding="utf-8")
    except OSError as err:
        raise OmnievalError(f"cannot write {folder / RUN_LOG}: {err.strerror or err}") from err
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(_FORMAT))
    previous = LOGGER.level
    LOGGER.addHandler(handler)
    if LOGGER.getEffectiveLevel() > logging.INFO:
        LOGGER.setLevel(logging.INFO)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
        try:
            handler.close()
        except OSError:  # what it could not write is lost; the run's files say the rest
            pass
        LOGGER.setLevel(previous)
