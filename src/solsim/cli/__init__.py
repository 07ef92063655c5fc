"""The ``solsim`` command line.

Each subcommand lives in its own module and registers itself on :data:`app`.
Errors a user can fix (a bad scenario, a bad option) print one line
``error: FILE: key.path: reason`` on stderr and exit with code 2, no traceback.
"""

from __future__ import annotations

import sys

import typer

from solsim.errors import ScenarioError

app = typer.Typer(
    name="solsim",
    help="Agent-based simulation of the solidarity economy: run scenarios, sweep "
    "experiments, compare risk-sharing instruments.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from solsim import __version__

        typer.echo(f"solsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Agent-based simulation of the solidarity economy."""


class UsageError(Exception):
    """A bad command-line value; printed as one line, exit code 2."""


def fail(message: str) -> None:
    """Print ``error: message`` on stderr and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


# Subcommands register themselves on import.
from solsim.cli import compare as _compare  # noqa: E402,F401
from solsim.cli import dashboard as _dashboard  # noqa: E402,F401
from solsim.cli import run as _run  # noqa: E402,F401
from solsim.cli import sensitivity as _sensitivity  # noqa: E402,F401
from solsim.cli import sweep as _sweep  # noqa: E402,F401
from solsim.cli import validate as _validate  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``solsim`` script."""
    try:
        app(args=argv, standalone_mode=True)
    except ScenarioError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except UsageError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
