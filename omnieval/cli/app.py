"""The `omnieval` app and what its commands share: the consoles, the judge options, the format check, the
global options (--version, --log-level)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.console import Console

from omnieval import __version__
from omnieval.errors import OmnievalError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    help="Evaluate omni models (audio, image, video, text in; text and speech out).",
)
out = Console()
err = Console(stderr=True)

Assignments = Optional[list[str]]
JudgeOption = Annotated[
    str | None,
    typer.Option("--judge", "-j", help="model preset that judges tasks scored by a model (default: each task's own)"),
]
JudgeArgs = Annotated[
    Assignments, typer.Option("--judge-arg", "-J", metavar="KEY=VALUE", help="override a setting of the judge's runner")
]


def _check_format(format: str, allowed: tuple[str, ...] = ("table", "json"), option: str = "--format") -> None:
    if format not in allowed:
        raise OmnievalError(f"{option} takes {' or '.join(allowed)}, not '{format}'")


def version_callback(value: bool) -> None:
    if value:
        print(__version__)
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True)] = False,
    log_level: Annotated[
        str,
        typer.Option(
            "--log-level",
            help="what omnieval logs on stderr: debug, info, warning "
            "or error (each run's run.log keeps info and above)",
        ),
    ] = "warning",
) -> None:
    """Evaluate omni models (audio, image, video, text in; text and speech out)."""
    from omnieval.logs import configure_console

    configure_console(log_level)
