"""The `omnieval` command line.

Exit codes: 0 done (failed samples are counted in run.json, not fatal); 1 `regress` found a
regression; 2 bad input or configuration (a folder that cannot be written included), or runs
`regress` cannot compare; 3 a run stopped midway because the model could not serve or its results
could not be written (a full disk): finished samples are kept, resume it later; 4 an internal
error (a bug: please report it); 130 and 143 a run stopped by SIGINT (Ctrl-C) or SIGTERM, marked
`interrupted` in run.json, finished samples kept (resume it with --resume).

`app` (omnieval.cli.app) holds the commands, which omnieval.cli.commands (running and scoring) and
omnieval.cli.reports (comparing and reporting) register on it; `main` turns every error into one
line and an exit code.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click
import typer

from omnieval.cli import commands, reports  # noqa: F401 - importing them registers the commands
from omnieval.cli.app import app, err
from omnieval.errors import NO_SPACE, NOT_WRITABLE, OmnievalError, RunInterrupted, RunStopped, write_failure

if TYPE_CHECKING:
    from typer._click.exceptions import ClickException as TyperClickException

__all__ = ["app", "main"]


def _usage_errors() -> tuple[type[click.ClickException] | type[TyperClickException], ...]:
    """A mistyped command, option or value: click's own errors, and those of the copy of click that newer typer
    releases ship and raise instead (a private module: pyproject bounds typer's version)."""
    try:
        from typer._click.exceptions import ClickException as TyperClickException
    except ImportError:
        return (click.ClickException,)
    return (click.ClickException, TyperClickException)


USAGE_ERRORS = _usage_errors()


def usage_line(error: Any) -> str:
    """A usage error in one line, naming the command whose --help tells more."""
    message = " ".join(error.format_message().split())
    context = getattr(error, "ctx", None)
    command = context.command_path if context is not None else "omnieval"
    return f"{message} (see `{command} --help`)"


class _Terminated(BaseException):
    """SIGTERM outside a run (which handles it itself): unwind, then exit 143."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise _Terminated


def main() -> None:
    """Entry point: user-facing errors become one line and an exit code, never a traceback."""
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    try:
        code = app(standalone_mode=False, prog_name="omnieval")
    except RunInterrupted as error:
        err.print(str(error), highlight=False, soft_wrap=True)
        sys.stdout.flush()
        sys.stderr.flush()
        # what is done is on disk; threads still busy with abandoned requests (a local model's batch) are not
        # waited for
        os._exit(error.exit_code)
    except RunStopped as error:
        err.print(
            f"[red]error:[/red] {error} (finished samples are kept; continue with --resume)",
            highlight=False,
            soft_wrap=True,
        )
        sys.exit(3)
    except OmnievalError as error:
        err.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except USAGE_ERRORS as error:
        if type(error).__name__ == "NoArgsIsHelpError":  # `omnieval` alone: its help, as asked for
            print(error.format_message())
            sys.exit(0)
        err.print(f"[red]error:[/red] {usage_line(error)}", highlight=False, soft_wrap=True)
        sys.exit(getattr(error, "exit_code", 2))
    except (typer.Abort, click.Abort):
        err.print("aborted")
        sys.exit(130)
    except KeyboardInterrupt:
        err.print("interrupted (finished samples are kept; continue with --resume)")
        sys.exit(130)
    except _Terminated:
        err.print("terminated")
        sys.exit(143)
    except OSError as error:
        if error.errno not in NO_SPACE | NOT_WRITABLE:
            _internal_error(error)
        # a folder that cannot be written, or a full disk, met outside a run (which says more itself)
        err.print(f"[red]error:[/red] {write_failure(error)}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as error:  # noqa: BLE001
        _internal_error(error)
    if isinstance(code, int) and code:
        sys.exit(code)  # typer.Exit(code) from a command, e.g. `regress` finding a regression


def _internal_error(error: Exception) -> NoReturn:
    if os.environ.get("OMNIEVAL_DEBUG"):
        raise error
    err.print(
        f"[red]internal error:[/red] {type(error).__name__}: {error} (set OMNIEVAL_DEBUG=1 for the traceback)",
        highlight=False,
        soft_wrap=True,
    )
    sys.exit(4)
