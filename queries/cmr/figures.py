"""Every figure, table and list the Conflict Minerals Report states — read from today's query functions.

Why one module: the report must say exactly what the CLI, the exports and the explorer say, so it never
computes a figure of its own. This is the only module of the report that calls the query layer
(`queries.survey.store_survey`, `queries.figures.rated_smelters`, `queries.rollup.supplier_rollup`,
`queries.program.store_programs`, `queries.report.appendix`, `queries.origin` via the appendix); when the
figures module of the risk-policy work lands, switching to it is a change of this file alone. Each
figure carries the CLI command and the JMESPath (or xlsx row) that reproduce it, from `figures.yaml`.

The mitigation cases of the year (`mitigation_summary`, read from `queries.campaign.cases` — the same
cases `minetrace mitigation list --year` lists) replace the company's own text for "steps taken"; a
year without a case keeps the placeholder.

Example:
    >>> data = collect(ctx)                                                # doctest: +SKIP
    >>> data.figures["response_rate"].value, data.figures["response_rate"].command   # doctest: +SKIP
    (81.7, 'minetrace survey status --year 2016 --json')
"""

from __future__ import annotations

import shlex
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from minetrace.queries._access import get, iso
from minetrace.queries.context import QueryContext
from minetrace.queries.figures import rated_smelters
from minetrace.queries.program import store_programs
from minetrace.queries.report import METAL_ORDER, appendix, country_label
from minetrace.queries.rollup import supplier_rollup
from minetrace.queries.survey import program_reference_date, store_survey

CATALOGUE_FILE = Path(__file__).with_name("figures.yaml")
SCOPE_REASON_LABELS = {"service": "service providers", "indirect": "indirect-material suppliers",
                       "inactive": "inactive (no purchase for {years} years or more)",
                       "manual": "marked out of scope during the survey", "no_date": "no last purchase date"}


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """The figure catalogue (figures.yaml)."""
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


@dataclass
class Figure:
    id: str
    label: str
    value: Any
    text: str  # as the document prints it
    command: str  # the CLI that reproduces it
    path: str  # JMESPath into the command's --json output, or xlsx:SHEET!ROW
    section: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "value": self.value, "text": self.text, "command": self.command,
                "path": self.path, "section": self.section}


@dataclass
class Table:
    """A table of the report: header, rows of text (or figure ids for traced cells), provenance."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]  # str cells, or Figure for a traced cell
    command: str = ""
    path: str = ""
    widths: list[float] = field(default_factory=list)  # relative column widths
    font_size: float = 9.0

    def text_rows(self) -> list[list[str]]:
        return [[c.text if isinstance(c, Figure) else str(c) for c in row] for row in self.rows]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "columns": self.columns, "rows": len(self.rows),
                "command": self.command, "path": self.path}


@dataclass
class ReportData:
    year: int
    as_of: str  # statuses judged at
    filing_date: str | None
    survey_reference_date: str  # scoping / survey reference date (what `survey status` uses)
    policy_source: str
    generated: str
    figures: dict[str, Figure] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    lists: dict[str, Any] = field(default_factory=dict)  # plain rows for template loops
    data_dates: dict[str, Any] = field(default_factory=dict)
    mitigation: Any = None
    commands: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what the analyst must know about the data


def fmt(value: Any) -> str:
    """A figure as the document prints it: the value as the JSON output shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


class _Builder:
    def __init__(self, data: ReportData, flags: list[str], no_as_of_flags: list[str]) -> None:
        self.data = data
        self.cat = catalogue()
        self.no_as_of = set(self.cat.get("no_as_of") or [])
        for key, args in self.cat["commands"].items():
            extra = no_as_of_flags if key in self.no_as_of else flags
            data.commands[key] = "minetrace " + " ".join(shlex.quote(str(a)) for a in [*args, *extra, "--json"])

    def figure(self, fid: str, value: Any, section: str, pattern: str | None = None, **names: str) -> Figure:
        spec = self.cat["figures"][pattern or fid]
        names = {"as_of": self.data.as_of, **names}
        f = Figure(id=fid, label=spec["label"].format(**names), value=value, text=fmt(value),
                   command=self.data.commands[spec["command"]], path=spec["path"].format(**names), section=section)
        self.data.figures[fid] = f
        return f

    def table(self, tid: str, columns: list[str], rows: list[list[Any]], widths: list[float] | None = None,
              title: str | None = None, font_size: float = 9.0) -> Table:
        spec = self.cat.get("tables", {}).get(tid, {})
        t = Table(id=tid, title=title or spec.get("title", tid), columns=columns, rows=rows,
                  command=self.data.commands.get(spec.get("command", ""), ""), path=spec.get("path", ""),
                  widths=widths or [], font_size=font_size)
        self.data.tables[tid] = t
        return t


def _flags(ctx: QueryContext, policy_file: str | None, store: str | None, as_of: date | None) -> tuple[list, list]:
    base = ["--year", str(ctx.year)]
    if policy_file:
        base += ["--policy", policy_file]
    if store:
        base += ["--store", store]
    return base + (["--as-of", as_of.isoformat()] if as_of else []), base


def mitigation_summary(ctx: QueryContext) -> list[tuple[str, str, int, str]] | None:
    """Mitigation cases of the year for "steps taken" (None when the year has none).

    The hook's contract: a list of (key, label, count, JMESPath on `minetrace mitigation list --json`), e.g.
    ("opened", "Supplier–smelter cases opened", 12, "length(cases)"). `collect` turns each into a traced
    figure `m_<key>` and the table `mitigation`, which the default template then shows in place of the
    company's own text. The cases are those of `minetrace mitigation list --year` (links found in the
    year's forms, queries.campaign.cases)."""
    from minetrace.queries.campaign.cases import CLOSE_REASONS, REASON_TEXT, filter_cases, load_cases

    cases = filter_cases(load_cases(ctx.store), year=ctx.year)
    if not cases:
        return None
    rows = [("opened", "High-risk supplier–smelter links with a mitigation case", len(cases), "length(cases)"),
            ("requested", "Suppliers asked to act (receipt sent)", sum(1 for c in cases if c.receipts),
             "length(cases[?length(receipts) > `0`])"),
            ("replied", "Supplier replied, case still open", sum(1 for c in cases if c.state == "replied"),
             "length(cases[?state=='replied'])"),
            ("open", "Cases still open", sum(1 for c in cases if c.is_open), "length(cases[?state!='closed'])")]
    for reason in CLOSE_REASONS:
        rows.append((f"closed_{reason}", f"Closed: {REASON_TEXT[reason]}",
                     sum(1 for c in cases if c.closed_reason == reason), f"length(cases[?closed_reason=='{reason}'])"))
    return rows


def collect(ctx: QueryContext, policy_file: str | None = None, store: str | None = None,
            as_of: date | None = None) -> ReportData:
    """Every figure, table and list of the report for `ctx.year` (which must be set).

    `policy_file`, `store` and `as_of` are what the user passed (they go into the reproduce commands)."""
    if ctx.year is None:
        raise ValueError("the report needs a reporting year")
    # `survey status`, `risk programs` and `query origin` take no --as-of: they judge at the default date
    plain = ctx if as_of is None else QueryContext(ctx.store, ctx.facts, ctx.policy, ctx.year,
                                                    rating_year=ctx.rating_year, store_option=ctx.store_option)
    model = ctx.model
    data = ReportData(year=ctx.year, as_of=model.as_of.isoformat(), filing_date=iso(model.filing_date),
                      survey_reference_date=program_reference_date(plain.model).isoformat(),
                      policy_source=ctx.policy.source,
                      generated=datetime.now().astimezone().isoformat(timespec="seconds"))
    flags, no_as_of = _flags(ctx, policy_file, store, as_of)
    b = _Builder(data, flags, no_as_of)

    # --- scoping and survey (minetrace survey status)
    statuses, fig = store_survey(ctx.store, ctx.year, program_reference_date(plain.model), ctx.policy)
    for key in ("master_list", "out_of_scope", "in_scope", "contacted", "follow_ups", "responded", "response_rate",
                "valid", "invalid", "not_responded"):
        b.figure(key, getattr(fig, key), "rcoi")
    years = ctx.policy.scoping.inactive_years
    scope_reasons = []
    for reason, n in fig.out_of_scope_by_reason.items():
        f = b.figure(f"out_{reason}", n, "rcoi", pattern="out_{reason}", reason=reason)
        scope_reasons.append({"figure": f, "reason": reason,
                              "label": SCOPE_REASON_LABELS.get(reason, reason).format(years=years)})
    data.lists["scope_reasons"] = scope_reasons
    defects = _defects(statuses)
    data.lists["defects"] = []
    for code, n in defects.most_common():
        title = _finding_title(code)
        f = b.figure(f"d_{code}", n, "rcoi", pattern="d_{code}", code=code, title=title)
        data.lists["defects"].append({"figure": f, "code": code, "title": title})
    survey_rows = [[f.label, f] for f in (data.figures[k] for k in ("master_list", "out_of_scope"))]
    survey_rows += [[f"   {r['label']}", r["figure"]] for r in scope_reasons]
    survey_rows += [[data.figures[k].label, data.figures[k]] for k in
                    ("in_scope", "contacted", "follow_ups", "responded", "response_rate", "valid", "invalid",
                     "not_responded")]
    b.table("survey", ["Survey figure", "Value"], survey_rows, [5, 1.2], title="Survey figures")
    b.table("defects", ["Defect (finding)", "Code", "Invalid forms"],
            [[d["title"], d["code"], d["figure"]] for d in data.lists["defects"]], [4, 3, 1.2],
            title="Invalid forms by defect")

    # --- smelter risk (minetrace risk smelters / risk suppliers --high)
    risks = rated_smelters(ctx.store, model, ctx.year)  # the smelters `risk smelters` lists (queries.figures)
    levels = Counter(r.level for r in risks)
    b.figure("smelters_rated", len(risks), "risk")
    for level in ("high", "medium", "low"):
        b.figure(f"risk_{level}", levels[level], "risk")
    b.figure("risk_none", levels[None], "risk")
    high = [r for r in risks if r.level == "high"]
    data.lists["high_risk"] = [{"cid": r.cid or r.key, "metal": r.metal or "", "name": r.name or "",
                                "country": country_label(r.country_iso2) or "", "country_iso2": r.country_iso2 or "",
                                "reasons": [x.text for x in r.reasons], "status": r.status or "not enrolled"}
                               for r in high]
    b.table("high_risk", ["Smelter ID", "Metal", "Smelter or refiner", "Location", "Why high risk"],
            [[h["cid"], h["metal"], h["name"], h["country"], "; ".join(h["reasons"])] for h in data.lists["high_risk"]],
            [1.3, 1, 2.6, 1.6, 4])
    b.table("risk_levels", ["Risk level", "Smelters"],
            [[data.figures[f"risk_{k}"].label, data.figures[f"risk_{k}"]] for k in ("high", "medium", "low", "none")],
            [5, 1.2], title="Smelters by risk level")
    rollup = supplier_rollup(ctx.store, model, ctx.year)
    b.figure("high_risk_suppliers", sum(1 for r in rollup if r.worst_risk == "high"), "risk")

    # --- supplier programs (minetrace risk programs)
    programs = store_programs(ctx.store, ctx.year, ctx.policy, {s.supplier_id: s.in_scope for s in statuses})
    for level in ("strong", "weak"):
        b.figure(f"program_{level}", programs.counts.get(level, 0), "risk")
        b.figure(f"program_{level}_valid", programs.counts_valid_forms.get(level, 0), "risk")
    b.table("programs", ["Program strength", "Suppliers"],
            [[data.figures[k].label, data.figures[k]] for k in
             ("program_strong", "program_weak", "program_strong_valid", "program_weak_valid")], [5, 1.2],
            title="Supplier program strength")

    # --- Appendix A and countries of origin (minetrace export appendix / query origin)
    app = appendix(ctx.store, model, ctx.year, valid_only=True)
    b.figure("smelters_validated", app.counts["smelters_validated"], "appendix")
    b.figure("conformant", app.counts["conformant"], "appendix")
    b.figure("not_conformant", app.counts["not_conformant"], "appendix")
    metals = sorted(app.counts["by_metal"], key=lambda m: (METAL_ORDER.get(m, 9), m))
    metal_rows = []
    for metal in metals:
        names = {"metal": metal.lower(), "Metal": metal}
        fv = b.figure(f"metal_{metal.lower()}", app.counts["by_metal"][metal], "appendix", pattern="metal_{metal}",
                      **names)
        fc = b.figure(f"conformant_{metal.lower()}", app.counts["conformant_by_metal"].get(metal, 0), "appendix",
                      pattern="conformant_{metal}", **names)
        metal_rows.append([metal, fv, fc])
    data.lists["metals"] = [{"metal": r[0], "validated": r[1], "conformant": r[2]} for r in metal_rows]
    b.table("metals", ["Metal", "Smelters validated", f"Conformant as of {data.as_of}"], metal_rows, [2, 2, 2],
            title="Smelters by metal")
    status_header = f"Conformant status as of {app.as_of}"
    data.lists["appendix"] = app.rows
    data.lists["appendix_status_header"] = status_header
    b.table("appendix", ["Metal", "Standard Smelter Name", "Smelter Facility Location", status_header, "Smelter ID"],
            [[r["metal"], r["standard_smelter_name"] or "", r["facility_location"] or "", r["conformant"], r["cid"]]
             for r in app.rows], [1.1, 4, 2.6, 1.7, 1.4], font_size=8)
    origin = app.countries_of_origin
    b.figure("origin_countries", len(origin), "appendix")
    b.figure("origin_covered", sum(1 for o in origin if o["covered"]), "appendix")
    source_words = {"smelter_location": "smelter location", "declared_mine_country": "declared by suppliers"}
    data.lists["countries"] = [{"name": o["name"], "iso2": o["iso2"], "covered": bool(o["covered"]),
                                "sources": [source_words.get(s, s) for s in o["sources"]],
                                "smelters_located": len(o["smelters_located"])} for o in origin]
    b.table("countries", ["Country", "Covered Country", "Source"],
            [[c["name"], "Yes" if c["covered"] else "No", ", ".join(c["sources"])] for c in data.lists["countries"]],
            [4, 1.6, 3])

    # --- chart inputs (the same figures, never recomputed)
    data.lists["funnel"] = [(data.figures[k].label, data.figures[k].value) for k in
                            ("master_list", "in_scope", "contacted", "responded", "valid")]
    data.lists["metal_status"] = _metal_status(app.rows, ctx.policy.report.appendix_conformant_label)
    data.lists["origin_map"] = [(o["iso2"], bool(o["covered"]), len(o["smelters_located"])) for o in origin]
    data.data_dates = _data_dates(ctx)
    data.mitigation = mitigation_summary(ctx)
    if data.mitigation:
        rows = [[label, b.figure(f"m_{key}", n, "mitigation", pattern="m_{key}", key=key, label=label, path=path)]
                for key, label, n, path in data.mitigation]
        b.table("mitigation", ["Mitigation cases", "Number"], rows, [5, 1.2])
    data.warnings = _warnings(fig, data.data_dates)
    return data


def _warnings(fig: Any, dates: dict[str, Any]) -> list[str]:
    out = []
    if fig.master_list == 0:
        out.append("No supplier master list is in the store: the scoping and response figures count no supplier "
                   "(import it with `minetrace survey import-suppliers`).")
    elif fig.unlisted_responders:
        n = len(fig.unlisted_responders)
        out.append(f"{n} declaring {'company is' if n == 1 else 'companies are'} not on the supplier master list "
                   "and not counted in the response figures (see `minetrace survey status`).")
    if not any(str(s.get("kind", "")).startswith("RMAP") for s in dates.get("snapshots", [])):
        out.append("No RMI status list (Conformant / Active) is imported: no smelter can be shown as conformant "
                   "(import RMI's exports with `minetrace reference import`).")
    if dates.get("declarations", 0) == 0:
        out.append("No supplier declaration is on file for this year.")
    return out


def _defects(statuses: list[Any]) -> Counter[str]:
    """Invalid in-scope responders per defect code, from `survey status`'s invalid_reasons ("code: message")."""
    per: Counter[str] = Counter()
    for s in statuses:
        if s.status != "responded_invalid":
            continue
        codes = {r.split(": ", 1)[0] for r in s.invalid_reasons if ": " in r}
        if not codes:
            codes = {"no_readable_form"}
        per.update(codes)
    return per


def _finding_title(code: str) -> str:
    from minetrace.ingest.findings import CATALOGUE

    for ft in CATALOGUE:
        if ft.code == code:
            return ft.title
    return code.replace("_", " ").capitalize()


def _metal_status(rows: list[dict[str, Any]], conformant_label: str) -> list[tuple[str, str, int]]:
    """(metal, status group, smelters) from Appendix A rows: conformant / active (in audit) / not enrolled."""
    counts: Counter[tuple[str, str]] = Counter()
    for r in rows:
        if r["conformant"] == conformant_label:
            group = "Conformant"
        elif (r.get("rmap_status") or "").casefold().startswith("active"):
            group = "Active (in audit)"
        else:
            group = "Not conformant / not enrolled"
        counts[(r["metal"], group)] += 1
    return [(m, g, n) for (m, g), n in sorted(counts.items(), key=lambda x: (METAL_ORDER.get(x[0][0], 9), x[0]))]


def _data_dates(ctx: QueryContext) -> dict[str, Any]:
    """What data the figures rest on: declarations on file for the year and the reference snapshots."""
    decls = ctx.store.declarations(year=ctx.year, current_only=True)
    received = sorted(str(iso(get(d, "received")))[:10] for d in decls if get(d, "received"))
    versions = Counter(str(get(d, "template_version") or "?") for d in decls)
    out: dict[str, Any] = {"declarations": len(decls), "received_first": received[0] if received else None,
                           "received_last": received[-1] if received else None,
                           "template_versions": dict(sorted(versions.items())), "snapshots": [], "imports": []}
    s = ctx.facts.summary()
    if s is not None:
        out["snapshots"] = [{"kind": x["kind"], "as_of": x["as_of"], "source": x["source"]} for x in s["snapshots"]]
        out["imports"] = [{"file": i["file"], "kind": i["importer"], "as_of": i["as_of"]} for i in s["imports"]]
        out["watchlist"] = s.get("watchlist")
    return out
