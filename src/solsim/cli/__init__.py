"""The ``solsim`` command line.

Each subcommand lives in its own module and registers itself on :data:`app`.
Errors a user can fix (a bad scenario, a bad option) print one line
``error: FILE: key.path: reason`` on stderr and exit with code 2, no traceback.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

import typer

try:  # typer >= 0.24 vendors click; older versions use the click package
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover
    from click import exceptions as _cx

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


def at_least(least: int, most: int | None = None):
    """An option callback: ``error: --steps: must be at least 1`` for smaller values
    (and ``must be at most ...`` above ``most``)."""

    def check(value: int | None) -> int | None:
        if value is not None and value < least:
            raise typer.BadParameter(f"must be at least {least} (got {value})")
        if value is not None and most is not None and value > most:
            raise typer.BadParameter(f"must be at most {most:,} (got {value:,})")
        return value

    return check


_SCHEDULER = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://[^\s/:]+(:\d{1,5})?/?$")


def check_scheduler(address: str | None) -> str | None:
    """``--scheduler`` must look like a Dask address (``tcp://HOST:PORT``)."""
    if address is not None and not _SCHEDULER.match(address):
        raise UsageError(
            f"--scheduler {address!r}: not a scheduler address; expected tcp://HOST:PORT"
        )
    return address


def check_output(path: Path, option: str = "--out") -> None:
    """Refuse an output directory that cannot be made or written, before any work.

    Nothing is created: the nearest existing ancestor must be a directory this
    process can write (probed with a temporary file that is removed at once).
    """
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path}: exists and is not a directory")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"{option} {path}: {probe} is a file, not a directory")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"{option} {path}: {probe} is not writable")
    try:
        with tempfile.TemporaryFile(dir=probe, prefix=".solsim-probe-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"{option} {path}: cannot write in {probe}: {exc.strerror or exc}"
        ) from None


def _param_name(exc: Exception) -> str | None:
    param = getattr(exc, "param", None)
    if getattr(param, "param_type_name", None) == "option" and param.opts:
        return max(param.opts, key=len)
    if param is not None:
        return param.human_readable_name
    hint = getattr(exc, "param_hint", None)
    if isinstance(hint, list | tuple):
        return " / ".join(hint)
    return hint.strip("'\"") if isinstance(hint, str) else None


def _click_line(exc: Exception) -> str:
    """One line for a command-line error: ``--steps: must be at least 1``."""
    if isinstance(exc, _cx.BadParameter) and not isinstance(exc, _cx.MissingParameter):
        name = _param_name(exc)
        message = " ".join(exc.message.split()).rstrip(".")
        return f"{name}: {message}" if name else message
    message = " ".join(exc.format_message().split()).rstrip(".")
    command = getattr(getattr(exc, "ctx", None), "command_path", None)
    if command and isinstance(exc, _cx.UsageError):
        message += f" (see {command} --help)"
    return message[0].lower() + message[1:] if message else "bad command line"


# Subcommands register themselves on import.
from solsim.cli import compare as _compare  # noqa: E402,F401
from solsim.cli import dashboard as _dashboard  # noqa: E402,F401
from solsim.cli import discover as _discover  # noqa: E402,F401
from solsim.cli import run as _run  # noqa: E402,F401
from solsim.cli import sensitivity as _sensitivity  # noqa: E402,F401
from solsim.cli import sweep as _sweep  # noqa: E402,F401
from solsim.cli import validate as _validate  # noqa: E402,F401


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``solsim`` script.

    Every error a user can fix (a bad option, scenario, experiment or output
    directory) is one line ``error: ...`` on stderr and exit code 2.
    """
    try:
        code = app(args=argv, standalone_mode=False)
    except (ScenarioError, UsageError) as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except _cx.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else str(exc))
        sys.exit(2)
    except _cx.ClickException as exc:
        typer.echo(f"error: {_click_line(exc)}", err=True)
        sys.exit(2 if isinstance(exc, _cx.UsageError) else exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
