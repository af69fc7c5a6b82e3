"""The options every CLI family shares — `--store`, `--year`, `--json`, `--policy`, `--as-of` — and the few
steps that turn them into what a verb works on (the workspace, its graph store, a query context).

Why one module: one definition of each option means one name, one default and one help text everywhere, and
every family reaches the workspace (graph.workspace) the same way. A verb whose `--year` or `--json` means
something narrower (ingest files *every* form under one year) keeps its own words through the `*_option`
factories, still defined here. Light on purpose: typer only at import; the store, the queries and the
workspace are imported inside the helpers, so `minetrace --help` stays fast.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from minetrace.app.safe_output import MESSAGE_LIMIT, json_text, message, plain

if TYPE_CHECKING:
    from minetrace.graph.store import GraphStore
    from minetrace.graph.workspace import Workspace
    from minetrace.queries.context import QueryContext

STORE_HELP = "Store folder or Neo4j URI (default $MINETRACE_STORE or ./.minetrace)."
JSON_HELP = "Print JSON (stable keys, see docs/queries.md)."
YEAR_HELP = ("Reporting year (default: the newest reporting year with forms — the campaign in progress; statuses "
             "judged at its filing date).")
POLICY_HELP = ("Policy preset: us-sec-1502 (default) or eu-2017-821; or a YAML file merged over a preset (its "
               "`extends:` key names one).")
AS_OF_HELP = "Judge statuses as of this date (YYYY-MM-DD; default the filing date, 31 May of the year + 1)."


def store_option() -> Any:
    return typer.Option(None, "--store", help=STORE_HELP)


def json_option(help: str = JSON_HELP) -> Any:
    return typer.Option(False, "--json", help=help)


def year_option(help: str | None = YEAR_HELP, required: bool = False) -> Any:
    return typer.Option(... if required else None, "--year", help=help)


def policy_option(help: str = POLICY_HELP) -> Any:
    return typer.Option(None, "--policy", help=help)


def as_of_option(help: str = AS_OF_HELP) -> Any:
    return typer.Option(None, "--as-of", help=help)


STORE = store_option()
JSON = json_option()
YEAR = year_option()
ALL_YEARS = typer.Option(False, "--all-years", help="Every current declaration on file, not only --year / the "
                         "newest reporting year with forms.")
POLICY = policy_option()
AS_OF = as_of_option()


# ---------------------------------------------------------------------------------------------- from options
def workspace(store: str | None) -> Workspace:
    """The workspace `--store` names (else $MINETRACE_STORE, else ./.minetrace)."""
    from minetrace.graph.workspace import Workspace

    return Workspace.open(store)


def open_graph(store: str | None) -> GraphStore:
    """The workspace's graph store, or exit 1 with a message naming the store."""
    ws = workspace(store)
    try:
        return ws.open_store()
    except Exception as exc:
        typer.echo(message(f"cannot open store {ws.target}: {exc}"), err=True)
        raise typer.Exit(1) from None


def parse_date(value: str | None, option: str = "--as-of") -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


def open_ctx(store: str | None, year: int | None, policy: str | None, as_of: str | None,
             default_year: bool = True) -> QueryContext:
    """The query context of a command; without --year, the newest reporting year with forms (`default_year`;
    False for commands over every year on file, e.g. receipts for every stored form)."""
    from minetrace.queries.context import QueryContext
    from minetrace.queries.policy import PolicyError

    try:
        return QueryContext.open(store, year=year, policy_file=policy, as_of=parse_date(as_of),
                                 default_year=default_year)
    except PolicyError as exc:
        typer.echo(message(f"error: {exc}"), err=True)
        raise typer.Exit(2) from None


def emit(data: Any) -> None:
    """JSON on stdout: full values, valid UTF-8, nothing a terminal would act on (app.safe_output)."""
    typer.echo(json_text(data))


def head(ctx: QueryContext) -> dict[str, Any]:
    """The JSON header of every rating output (queries.context.header): year, as_of, filing_date, policy,
    policy_title, statuses, notices."""
    return ctx.header


def say_header(ctx: QueryContext, as_json: bool = False, store: str | None = None) -> None:
    """What every rating command says first: one line of notices when they apply — no smelter reference list,
    no RMAP status data (queries.context.notices) — on stdout, or on stderr beside JSON so pipes stay
    parseable; then, as text, the header line: policy, year, the status date and lists."""
    from minetrace.queries.context import header_lines

    lines = header_lines(ctx.model, ctx.year, store, ctx.year_basis)
    if len(lines) > 1:
        typer.echo(plain(lines[0], MESSAGE_LIMIT), err=as_json)
    if not as_json:
        typer.echo(plain(lines[-1], MESSAGE_LIMIT))
