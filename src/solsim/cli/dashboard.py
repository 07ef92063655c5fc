"""``solsim dashboard``: the live dashboard in the browser (a Solara server).

The command becomes (on POSIX, by ``exec``) a ``python -m solara run
solsim.dashboard.app:page`` server, bound to 127.0.0.1 by default. It needs no
outside network: the front end (Vue, Vuetify, fonts, widget code) comes from
the installed ``solara-assets``, ``ipyvue`` and ``ipyvuetify`` packages, and
the version check and usage telemetry that Solara would send out are switched
off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path
from typing import Annotated

import typer

from solsim.cli import UsageError, app

#: Environment for a Solara server that never reaches beyond the machine.
OFFLINE_ENV = {
    # No usage statistics to mixpanel (and no look-up of the server's public IP).
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
    # Serve front-end files from the local cache that solara-assets fills
    # (<prefix>/share/solara/cdn) instead of sending the browser to a CDN.
    "SOLARA_ASSETS_PROXY": "true",
}


def server_command(host: str, port: int, log_level: str = "warning") -> list[str]:
    """The command that serves the dashboard (run it with :func:`server_env`)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "solsim.dashboard.app:page",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--no-check-version",
        "--log-level",
        log_level,
    ]


def server_env(scenario: Path | None = None) -> dict[str, str]:
    """The environment of the dashboard server: offline settings and the scenario."""
    from solsim.dashboard import SCENARIO_ENV

    env = {**os.environ, **OFFLINE_ENV}
    if scenario is not None:
        env[SCENARIO_ENV] = str(scenario.resolve())
    else:
        env.pop(SCENARIO_ENV, None)
    return env


@app.command("dashboard")
def dashboard_command(
    port: Annotated[int, typer.Option(help="Port to serve on.", min=1, max=65535)] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")
    ] = "127.0.0.1",
    scenario: Annotated[
        Path | None,
        typer.Option(help="Scenario TOML file the sliders start from (default: a small economy)."),
    ] = None,
) -> None:
    """Start the live dashboard (sliders, plots, trade graph) in the browser."""
    missing = [name for name in ("solara", "solara_assets", "altair") if find_spec(name) is None]
    if missing:
        raise UsageError(
            f"the dashboard needs the viz extra (pip install 'solsim[viz]'); "
            f"missing: {', '.join(missing)}"
        )
    if scenario is not None:
        from solsim.scenario import load_scenario

        load_scenario(scenario)  # a bad file fails here, as one line, not in the server
    typer.echo(f"solsim dashboard at http://{host}:{port}  (Ctrl-C stops it)")
    command, env = server_command(host, port), server_env(scenario)
    if os.name == "posix":
        # Become the server, so that signals (Ctrl-C, a test's terminate) reach it
        # directly and no orphaned server outlives this command.
        sys.stdout.flush()
        os.execve(command[0], command, env)
    try:
        code = subprocess.call(command, env=env)
    except KeyboardInterrupt:
        code = 0
    raise typer.Exit(code=code)
