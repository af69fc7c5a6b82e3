"""`minetrace risk smelters|suppliers|programs|figures`: ratings with their reasons, at the filing date.

Every command starts with the header of `queries.context` (the no-status-data notice first when there
is one, then policy, year and the status lists); the figures come from `queries.figures`.
"""

from __future__ import annotations

from collections import Counter

import typer
from rich.table import Table

from minetrace.app.cli_options import AS_OF, JSON, POLICY, STORE, YEAR, emit, head, open_ctx, say_header
from minetrace.app.safe_output import cell, markup
from minetrace.app.safe_output import console as safe_console

app = typer.Typer(help="Risk ratings: smelters (high/medium/low with reasons), supplier roll-up, programs.",
                  no_args_is_help=True)
console = safe_console()


@app.command("smelters")
def smelters_cmd(level: list[str] = typer.Option(None, "--level", help="Only these levels (high, medium, low, "
                                                 "none for data-quality findings)."),
                 store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                 as_json: bool = JSON) -> None:
    """Rate every smelter reported for the year; data-quality findings are listed with level none."""
    from minetrace.queries.figures import rated_smelters

    with open_ctx(store, year, policy, as_of) as ctx:
        say_header(ctx, as_json, store)
        res = rated_smelters(ctx.store, ctx.model, ctx.year)
        if level:
            wanted = {x.lower() for x in level}
            res = [r for r in res if (r.level or "none") in wanted]
        counts = Counter(r.level or "none" for r in res)
        if as_json:
            emit({**head(ctx), "counts": dict(counts), "smelters": [r.to_json() for r in res]})
            return
        t = Table(title=f"Smelter risk as of {ctx.model.as_of} ({markup(ctx.policy.label)})")
        for c in ("level", "metal", "smelter", "country", "status", "reasons"):
            t.add_column(c)
        for r in res:
            why = "; ".join(x for x in (r.reason_text, "; ".join(f.text for f in r.findings)) if x)
            t.add_row(cell(r.level or "not rated"), cell(r.metal or ""), cell(f"{r.cid or r.key} {r.name or ''}"),
                      cell(r.country_iso2 or ""), cell(r.status or ""), cell(why, 600))
        if res:
            console.print(t)
        console.print(f"{len(res)} smelter(s)" + (": " if res else "") +
                      markup(", ".join(f"{k if k != 'none' else 'not rated'} {v}"
                                       for k, v in sorted(counts.items()))))


@app.command("suppliers")
def suppliers_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                  high_only: bool = typer.Option(False, "--high", help="Only suppliers reaching a high-risk "
                                                 "smelter."),
                  as_json: bool = JSON) -> None:
    """Supplier roll-up: worst smelter risk, high-risk paths, latest form validity, program, survey status."""
    from minetrace.queries import glossary
    from minetrace.queries.rollup import supplier_rollup

    with open_ctx(store, year, policy, as_of) as ctx:
        say_header(ctx, as_json, store)
        res = supplier_rollup(ctx.store, ctx.model, ctx.year)
        if high_only:
            res = [r for r in res if r.worst_risk == "high"]
        if as_json:
            emit({**head(ctx), "counts": dict(Counter(r.worst_risk or "none" for r in res)),
                  "suppliers": [r.to_json() for r in res]})
            return
        t = Table(title=f"Supplier risk roll-up {ctx.year or 'all years'} ({markup(ctx.policy.label)})")
        for c in ("supplier", "worst", "high-risk smelters", "high/med/low/dq", "latest file", "form", "program",
                  "survey"):
            t.add_column(c)
        for r in res:
            t.add_row(cell(glossary.supplier(r.supplier_id, r.name)), cell(r.worst_risk or "-"),
                      cell("; ".join(r.high_smelter_names), 400), f"{r.high}/{r.medium}/{r.low}/{r.data_quality}",
                      cell(r.latest_file or "-"), cell(r.latest_status or "-"), cell(r.program or "-"),
                      cell(r.survey_status or "-"))
        if res:
            console.print(t)
        console.print(f"{len(res)} supplier(s); {sum(1 for r in res if r.worst_risk == 'high')} reach a "
                      "high-risk smelter")


@app.command("programs")
def programs_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY, as_json: bool = JSON) -> None:
    """Program strength (strong/weak) of every supplier's current declaration, with the answers."""
    from minetrace.queries.program import store_programs
    from minetrace.queries.survey import program_reference_date, store_survey

    with open_ctx(store, year, policy, None) as ctx:
        say_header(ctx, as_json, store)
        statuses, _ = store_survey(ctx.store, ctx.year, program_reference_date(ctx.model), ctx.policy)
        # the program's figures count surveyed (in-scope, master-list) suppliers; counts_all counts every form
        res = store_programs(ctx.store, ctx.year, ctx.policy, {s.supplier_id: s.in_scope for s in statuses})
        rows, counts, valid_counts = res.rows, Counter(res.counts), Counter(res.counts_valid_forms)
        if as_json:
            emit({**head(ctx), "counts": res.counts, "counts_valid_forms": res.counts_valid_forms,
                  "counts_all": res.counts_all, "programs": rows})
            return
        for r in rows:
            answers = ", ".join(f"{a['letter'] or '?'}={a['answer'] or '—'}" for a in r["answers"])
            console.print(f"{markup(r['supplier_id'])} {markup(r['file_name'])}: [bold]{markup(r['level'])}[/bold] "
                          f"({markup(answers, 400)})")
        console.print(f"{len(rows)} form(s): strong {counts['strong']}, weak {counts['weak']} "
                      f"(valid forms: strong {valid_counts['strong']}, weak {valid_counts['weak']})")


@app.command("figures")
def figures_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                as_json: bool = JSON) -> None:
    """The program's figures, each from one function (queries.figures): high-risk smelters and suppliers,
    suppliers with flagged paths, smelters identified, conformant share, valid/invalid forms, response rate."""
    from minetrace.queries.figures import LABELS, program_figures

    with open_ctx(store, year, policy, as_of) as ctx:
        say_header(ctx, as_json, store)
        fig = program_figures(ctx.store, ctx.model, ctx.year)
        if as_json:
            emit({**head(ctx), "figures": fig.to_json()})
            return
        t = Table(title=f"Program figures {ctx.year or 'all years'} ({markup(ctx.policy.label)})")
        t.add_column("figure")
        t.add_column("value", justify="right")
        for key, label in LABELS.items():
            value = getattr(fig, key)
            t.add_row(label, "—" if value is None else str(value))
        console.print(t)
        if fig.high_risk_smelter_ids:
            console.print("high-risk smelters: " + markup(", ".join(fig.high_risk_smelter_ids), 2000))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="risk")
