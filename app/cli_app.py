"""`minetrace app`: start the Streamlit explorer on a store.

Why a thin launcher: Streamlit is started as its own process (`python -m streamlit run`) with the
store and the password variable passed through the environment and the script arguments, so the
explorer behaves the same whether started from the CLI, `make demo` or a test fixture.
The explorer listens on 127.0.0.1 by default; use `--host 0.0.0.0` with `--password-env` for a
shared deployment. A non-local bind without a password is refused unless `--insecure` (then warned).
The generated Streamlit configuration turns usage statistics off and hides Streamlit's own welcome
lines, whose "External URL" would look the machine's address up on the internet (checkip.amazonaws.com).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import typer

from minetrace.app.cli_options import STORE, policy_option
from minetrace.app.explorer.settings import (
    EXPLORER_STORE_ENV,
    MAX_UPLOAD_MB,
    PASSWORD_ENV_ENV,
    POLICY_ENV,
    load_settings,
)
from minetrace.app.safe_output import message

EXPLORER_SCRIPT = Path(__file__).resolve().parent / "explorer" / "main.py"
#: the family's verb: `minetrace app`
app = typer.Typer()
DEFAULT_PORT = 8501


def streamlit_command(store: str, port: int, host: str = "127.0.0.1", password_env: str | None = None,
                      max_upload_mb: int = MAX_UPLOAD_MB) -> list[str]:
    """The `streamlit run` command line for the explorer (used by the CLI and the browser tests)."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(EXPLORER_SCRIPT),
        "--server.port", str(port),
        "--server.address", host,
        "--server.headless", "true",
        "--server.maxUploadSize", str(max_upload_mb),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--logger.hideWelcomeMessage", "true",  # no external-IP look-up: minetrace prints the URL itself
        "--server.enableXsrfProtection", "true",
        "--client.toolbarMode", "viewer",
        "--global.developmentMode", "false",
        "--", "--store", store,
    ]
    if password_env:
        cmd += ["--password-env", password_env]
    return cmd


def explorer_env(store: str, password_env: str | None = None, policy: str | None = None) -> dict[str, str]:
    """The environment for the explorer process: the store (and password variable name, policy) set."""
    env = dict(os.environ)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"  # also for config files that would say otherwise
    if policy:
        env[POLICY_ENV] = str(Path(policy).resolve()) if Path(policy).is_file() else policy
    from minetrace.graph.store import STORE_ENV, is_neo4j_uri

    env[EXPLORER_STORE_ENV] = store
    if not is_neo4j_uri(store):  # a folder is the whole workspace; with a URI MINETRACE_STORE keeps naming the local
        env[STORE_ENV] = store   # folder (graph.workspace)
    if password_env:
        env[PASSWORD_ENV_ENV] = password_env
    else:
        env.pop(PASSWORD_ENV_ENV, None)
    return env


def _normalise_store(store: str) -> str:
    """A directory store as an absolute path (the explorer may run from another directory); URIs as given."""
    from minetrace.graph.store import is_neo4j_uri

    return store if is_neo4j_uri(store) else str(Path(store).expanduser().resolve())


def is_local(host: str) -> bool:
    """True when only this machine can reach an explorer bound to `host`."""
    h = host.strip().strip("[]").lower()
    return h in ("localhost", "::1") or h.startswith("127.")


def shown_host(host: str) -> str:
    """The host to put in the URL we print: localhost for a loopback bind, this machine's name for all
    interfaces (0.0.0.0 / ::), else the address given."""
    h = host.strip().strip("[]")
    if is_local(h):
        return "localhost"
    if h in ("0.0.0.0", "::", ""):
        import socket

        return socket.gethostname() or h
    return f"[{h}]" if ":" in h else h


def bind_problem(host: str, password_env: str | None, insecure: bool) -> str | None:
    """Why serving on `host` is refused (non-local without a password), or None."""
    if is_local(host) or password_env or insecure:
        return None
    return (f"--host {host} makes the explorer reachable from other machines, and no --password-env was given: "
            "refused. Give --password-env VAR (a variable holding the password), or --insecure to serve it "
            "without one anyway")


def run_explorer(store: str, port: int = DEFAULT_PORT, host: str = "127.0.0.1", password_env: str | None = None,
                 policy: str | None = None, insecure: bool = False) -> int:
    """Start the explorer in the foreground; returns Streamlit's exit code (2 when refused)."""
    store = _normalise_store(store)
    if password_env and not os.environ.get(password_env):
        typer.echo(f"--password-env {password_env}: that environment variable is empty or not set", err=True)
        return 2
    problem = bind_problem(host, password_env, insecure)
    if problem:
        typer.echo(problem, err=True)
        return 2
    if not is_local(host) and not password_env:
        typer.echo(f"warning: serving on {host} without a password (--insecure): anyone who can reach port "
                   f"{port} can read and change the store", err=True)
    where = "all interfaces" if host.strip("[]") in ("0.0.0.0", "::") else host
    typer.echo(message(f"minetrace explorer on http://{shown_host(host)}:{port}  (listening on {where}; store: "
                       f"{store})  — Ctrl+C to stop"))
    cmd = streamlit_command(store, port, host, password_env, max_upload_mb=load_settings([]).max_upload_mb)
    child = subprocess.Popen(cmd, env=explorer_env(store, password_env, policy))

    def stop(signum: int, _frame: object) -> None:  # a terminated launcher takes Streamlit with it
        child.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if child.poll() is None:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


@app.command("app")
def app_cmd(
    store: str = STORE,
    port: int = typer.Option(DEFAULT_PORT, "--port", help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (127.0.0.1 = this machine only)."),
    password_env: str = typer.Option(None, "--password-env", help="Name of an environment variable holding a "
                                     "password the explorer asks for (off by default; required for a non-local "
                                     "--host unless --insecure)."),
    policy: str = policy_option("Policy the explorer starts with: us-sec-1502 (default), eu-2017-821 or a YAML "
                                "file (the sidebar switches presets)."),
    insecure: bool = typer.Option(False, "--insecure", help="Serve a non-local --host without a password "
                                  "(refused otherwise; a warning is printed)."),
) -> None:
    """Start the explorer (Streamlit) on an existing store."""
    from minetrace.graph.workspace import Workspace

    chosen = Workspace.open(store).target
    if policy:
        from minetrace.queries.policy import PolicyError, load_policy

        try:
            load_policy(policy)
        except PolicyError as exc:
            typer.echo(message(f"error: {exc}"), err=True)
            raise typer.Exit(2) from None
    raise typer.Exit(run_explorer(chosen, port, host, password_env, policy, insecure))


def build_demo_store(out_dir: Path, suppliers: int = 40, seed: int = 2016) -> tuple[Path, Any, Any]:
    """Kept for callers of the former location: see app.synthetic.demo.build_demo_store (`minetrace demo`)."""
    from minetrace.app.synthetic.demo import build_demo_store as build

    return build(out_dir, suppliers, seed)


def register(root: typer.Typer) -> None:
    root.add_typer(app)  # `minetrace app`; `minetrace demo` (and its former name demo-explorer) live in app.cli_demo
