"""`minetrace risk smelters|suppliers|programs`: ratings with their reasons, as of the reporting date."""

from __future__ import annotations

from collections import Counter

import typer
from rich.console import Console
from rich.table import Table

from app.cli_notice import say_reference_notice
from app.cli_query import AS_OF, JSON, POLICY, STORE, YEAR, emit, head, open_ctx
from queries.program import store_programs
from queries.risk import rate_store_smelters
from queries.rollup import supplier_rollup


def register(root: typer.Typer) -> None:
    app = typer.Typer(help="Risk ratings: smelters (high/medium/low with reasons), supplier roll-up, programs.",
                      no_args_is_help=True)
    root.add_typer(app, name="risk")
    console = Console()

    @app.command("smelters")
    def smelters_cmd(level: list[str] = typer.Option(None, "--level", help="Only these levels (high, medium, low, "
                                                     "none for data-quality findings)."),
                     store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                     as_json: bool = JSON) -> None:
        """Rate every smelter reported for the year; data-quality findings are listed with level none."""
        with open_ctx(store, year, policy, as_of) as ctx:
            say_reference_notice(ctx.facts, store, as_json)
            res = rate_store_smelters(ctx.store, ctx.facts, ctx.year, model=ctx.model)
            if level:
                wanted = {x.lower() for x in level}
                res = [r for r in res if (r.level or "none") in wanted]
            counts = Counter(r.level or "none" for r in res)
            if as_json:
                emit({**head(ctx), "counts": dict(counts), "smelters": [r.to_json() for r in res]})
                return
            t = Table(title=f"Smelter risk as of {ctx.model.as_of}")
            for c in ("level", "metal", "smelter", "country", "status", "reasons"):
                t.add_column(c)
            for r in res:
                why = r.reason_text or "; ".join(f.text for f in r.findings)
                if r.warnings:
                    why += " | warning: " + "; ".join(r.warnings)
                t.add_row(r.level or "none", r.metal or "", f"{r.cid or r.key} {r.name or ''}", r.country_iso2 or "",
                          r.status or "", why)
            console.print(t)
            console.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

    @app.command("suppliers")
    def suppliers_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY, as_of: str = AS_OF,
                      high_only: bool = typer.Option(False, "--high", help="Only suppliers reaching a high-risk "
                                                     "smelter."),
                      as_json: bool = JSON) -> None:
        """Supplier roll-up: worst smelter risk, high-risk paths, latest form validity, program, survey status."""
        with open_ctx(store, year, policy, as_of) as ctx:
            say_reference_notice(ctx.facts, store, as_json)
            res = supplier_rollup(ctx.store, ctx.model, ctx.year)
            if high_only:
                res = [r for r in res if r.worst_risk == "high"]
            if as_json:
                emit({**head(ctx), "counts": dict(Counter(r.worst_risk or "none" for r in res)),
                      "suppliers": [r.to_json() for r in res]})
                return
            t = Table(title=f"Supplier risk roll-up {ctx.year or ''}")
            for c in ("supplier", "worst", "high paths", "high/med/low/dq", "form", "program", "survey"):
                t.add_column(c)
            for r in res:
                t.add_row(f"{r.supplier_id} {r.name or ''}", r.worst_risk or "-", str(r.high_paths),
                          f"{r.high}/{r.medium}/{r.low}/{r.data_quality}", r.latest_status or "-", r.program or "-",
                          r.survey_status or "-")
            console.print(t)

    @app.command("programs")
    def programs_cmd(store: str = STORE, year: int = YEAR, policy: str = POLICY, as_json: bool = JSON) -> None:
        """Program strength (strong/weak) of every supplier's current declaration, with the answers."""
        from queries.survey import store_survey

        with open_ctx(store, year, policy, None) as ctx:
            statuses, _ = store_survey(ctx.store, ctx.year, ctx.model.as_of, ctx.policy)
            # the program's figures count surveyed (in-scope, master-list) suppliers; counts_all counts every form
            res = store_programs(ctx.store, ctx.year, ctx.policy, {s.supplier_id: s.in_scope for s in statuses})
            rows, counts, valid_counts = res.rows, Counter(res.counts), Counter(res.counts_valid_forms)
            if as_json:
                emit({**head(ctx), "counts": res.counts, "counts_valid_forms": res.counts_valid_forms,
                      "counts_all": res.counts_all, "programs": rows})
                return
            for r in rows:
                answers = ", ".join(f"{a['letter'] or '?'}={a['answer'] or '—'}" for a in r["answers"])
                console.print(f"{r['supplier_id']} {r['file_name']}: [bold]{r['level']}[/bold] ({answers})")
            console.print(f"strong {counts['strong']}, weak {counts['weak']} "
                          f"(valid forms: strong {valid_counts['strong']}, weak {valid_counts['weak']})")
