"""The files the analyst sends on: mitigation list, report appendix, consolidated CMRT, responses, findings.

Why here and not in app/: the export is the query's answer laid out for a spreadsheet; the CLI and
the explorer both call these functions. Every table goes through `queries.xlsx` (formatted, and every
cell written from supplier data neutralised against formula injection). The consolidated CMRT is
written by `queries.template_writer.write_consolidated_cmrt` (into a copy of the user's blank RMI
template when one is given), so it has exactly the 6.x Smelter List layout. Every xlsx table export
also carries an "About" sheet (policy, year, the date statuses are judged at and the lists they come
from, notices) and a "Program figures" sheet (`queries.figures`: the same numbers as the CLI and the
explorer). People read names: suppliers by ID and name, declarations by file name, smelters by CID
and name — hashes stay out of the tables.

Example:
    >>> model = RiskModel(reference, year=2016)                               # doctest: +SKIP
    >>> export_flagged(store, model, "flagged.xlsx", year=2016)              # doctest: +SKIP
    ExportResult(path='flagged.xlsx', rows=42, kind='flagged')
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from minetrace.graph.store import GraphStore
from minetrace.queries import glossary
from minetrace.queries._access import as_json, get
from minetrace.queries.context import header
from minetrace.queries.figures import population, program_figures
from minetrace.queries.paths import file_label, flagged_paths, supplier_label
from minetrace.queries.report import Appendix, appendix, country_label
from minetrace.queries.risk import RiskModel, risk_by_key
from minetrace.queries.rollup import supplier_rollup
from minetrace.queries.sourcing import supplier_answer_flags
from minetrace.queries.survey import program_reference_date, store_survey
from minetrace.queries.xlsx import Column, SheetSpec, check_out, write_csv, write_table, write_xlsx


@dataclass
class ExportResult:
    path: str
    rows: int
    kind: str
    #: what minetrace's own validator says about a written form (the consolidated CMRT): code, severity,
    #: location, message — empty for tables
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: the written form's status by the same validator ("valid" / "invalid"; None for tables)
    status: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def findings_text(self) -> list[str]:
        """One line per finding, errors first: "error Declaration!D8: Required field missing — …"."""
        order = {"error": 0, "warning": 1, "info": 2}
        return [f"{f['severity']} {f['location']}: {f['message']}"
                for f in sorted(self.findings, key=lambda f: order.get(str(f.get("severity")), 3))]


def about_sheets(store: GraphStore, model: RiskModel, year: int | None) -> list[SheetSpec]:
    """The "About" sheet (what the export rests on) and the "Program figures" sheet of every xlsx export."""
    h = header(model, year)
    about = [{"item": "Policy", "value": f"{h['policy']} — {h['policy_title']}" if h["policy_title"] else h["policy"]},
             {"item": "Reporting year", "value": year if year is not None else "all current declarations"},
             {"item": "Statuses judged as of", "value": h["as_of"]},
             {"item": "Filing date", "value": h["filing_date"]},
             {"item": "Status data", "value": h["statuses"]["text"]}]
    about += [{"item": "Notice", "value": n} for n in h["notices"]]
    cols = [Column("item", "Item", width=24), Column("value", "Value", width=100)]
    figs = program_figures(store, model, year)
    return [SheetSpec("About", cols, about),
            SheetSpec("Program figures", [Column("figure", "Figure", width=45), Column("value", "Value")],
                      figs.rows())]


FLAGGED_COLUMNS = [
    Column("supplier_id", "Supplier ID"), Column("supplier_name", "Supplier"),
    Column("contact_email", "Contact e-mail"),
    Column("via", "Via supplier (tier path)"), Column("risk", "Risk"), Column("flags", "Flags"),
    Column("reasons", "Reasons", width=60), Column("metal", "Metal"), Column("cid", "Smelter ID"),
    Column("smelter", "Smelter", width=40), Column("country", "Smelter country"),
    Column("rmap_status", "RMAP status as of"), Column("file_name", "Declaration file", width=30),
    Column("cell", "Source cell"), Column("raw_name", "Name as written", width=30),
    Column("method", "Resolution"), Column("reporting_year", "Year"), Column("declaration_status", "Form"),
    Column("program", "Program"), Column("survey_status", "Survey status"), Column("path", "Path", width=60),
]


def flagged_rows(store: GraphStore, model: RiskModel, year: int | None,
                 flags: list[str] | None = None) -> list[dict[str, Any]]:
    """One row per supplier and flagged smelter row, with contacts, program strength and survey status."""
    paths = flagged_paths(store, model, year, flags=flags)
    roll = {r.supplier_id: r for r in supplier_rollup(store, model, year)}
    sups = {str(get(s, "id")): s for s in store.suppliers()}
    out: list[dict[str, Any]] = []
    for p in paths:
        rep = next((h.evidence for h in p.hops if h.kind == "REPORTS"), {})
        top = p.top_supplier_id
        r = roll.get(top) or roll.get(p.supplier_id)
        via = p.chain[1:p.chain.index(p.supplier_id) + 1] if p.supplier_id != top else []
        out.append({
            "supplier_id": top, "supplier_name": get(sups.get(top), "name"),
            "contact_email": get(sups.get(top), "contact_email"),
            "via": " → ".join(supplier_label(x, get(sups.get(x), "name")) for x in via),
            "risk": p.risk, "flags": glossary.values("flag", p.flags), "reasons": "; ".join(p.reasons),
            "metal": p.smelter["metal"],
            "cid": p.smelter["cid"], "smelter": p.smelter["name"], "country": country_label(p.smelter["country_iso2"]),
            "rmap_status": f"{p.smelter['status'] or 'unknown'} ({model.as_of.isoformat()})",
            "file_name": file_label(p.declaration["file_name"], p.declaration["declaration_id"]),
            "sheet": rep.get("sheet"), "row": rep.get("row"), "cell": rep.get("cell"),
            "raw_name": rep.get("raw_name"), "method": glossary.value("method", rep.get("method")),
            "reporting_year": p.declaration["reporting_year"], "declaration_status": p.declaration["status"],
            "program": r.program if r else None,
            "survey_status": glossary.value("survey_status", r.survey_status) if r else None,
            "path": p.path_text,
        })
    return out


def export_flagged(store: GraphStore, model: RiskModel, out: str | Path, year: int | None = None,
                   flags: list[str] | None = None) -> ExportResult:
    check_out(out, what="export flagged")
    rows = flagged_rows(store, model, year, flags)
    write_table(out, FLAGGED_COLUMNS, rows, title="Flagged suppliers", extra_sheets=about_sheets(store, model, year))
    return ExportResult(str(out), len(rows), "flagged")


def appendix_sheets(app: Appendix) -> list[SheetSpec]:
    status_header = f"Conformant status as of {app.as_of}"
    labels = {"smelters_identified": "Smelters identified", "conformant_smelters": "Conformant smelters",
              "conformant_share": "Conformant share (%)", "high_risk": "High-risk smelters"}
    cols = [Column("metal", "Metal"), Column("standard_smelter_name", "Standard Smelter Name", width=45),
            Column("facility_location", "Smelter Facility Location", width=30),
            Column("conformant", status_header), Column("cid", "Smelter ID"), Column("rmap_status", "RMAP status"),
            Column("risk", "Risk"), Column("suppliers", "Suppliers reporting")]
    origin_cols = [Column("name", "Country of origin", width=35), Column("iso2", "ISO"),
                   Column("covered", "Covered Country"),
                   Column("sources", "Source"), Column("smelters_located", "Smelters located there", width=50),
                   Column("declared", "Declared as mine country (declaration rows)")]
    origin_rows = [{**o, "declared": len(o["declared_by"])} for o in app.countries_of_origin]
    counts = [{"figure": "Smelters validated (RMI smelter IDs)", "value": app.counts["smelters_validated"]},
              {"figure": f"Conformant as of {app.as_of}", "value": app.counts["conformant"]},
              {"figure": "Not conformant", "value": app.counts["not_conformant"]},
              {"figure": "High risk in Appendix A", "value": app.counts["high_risk_in_appendix"]},
              {"figure": "Countries of origin", "value": app.counts["countries_of_origin"]}]
    # the program's figures (every current form of the year): the same numbers as the CLI and the explorer
    counts += [{"figure": label, "value": app.counts[k]} for k, label in labels.items()]
    counts += [{"figure": f"{m} smelters", "value": n} for m, n in app.counts["by_metal"].items()]
    counts += [{"figure": f"{m} conformant", "value": n} for m, n in app.counts["conformant_by_metal"].items()]
    return [SheetSpec("Appendix A", cols, app.rows), SheetSpec("Countries of origin", origin_cols, origin_rows),
            SheetSpec("Counts", [Column("figure", "Figure", width=45), Column("value", "Value")], counts)]


def export_appendix(store: GraphStore, model: RiskModel, out: str | Path, year: int | None,
                    valid_only: bool = True) -> ExportResult:
    check_out(out, what="export appendix")
    app = appendix(store, model, year, valid_only)
    sheets = appendix_sheets(app)
    if str(out).lower().endswith(".csv"):
        write_csv(out, sheets[0].columns, sheets[0].rows)
    else:
        write_xlsx(out, [*sheets, *about_sheets(store, model, year)])
    return ExportResult(str(out), len(app.rows), "appendix")


def consolidated_rows(store: GraphStore, model: RiskModel, year: int | None,
                      valid_only: bool = True) -> list[dict[str, Any]]:
    """Smelter List rows for the company's own CMRT: every validated smelter once per (CID, metal)."""
    app = appendix(store, model, year, valid_only)
    rows = []
    for r in app.rows:
        rows.append({"metal": r["metal"], "lookup": r["standard_smelter_name"], "name": r["standard_smelter_name"],
                     "country": r["facility_location"], "cid": r["cid"], "id_source": "RMI",
                     "standard_name": r["standard_smelter_name"], "country_code": r["country_iso2"]})
    return rows


def export_cmrt(store: GraphStore, model: RiskModel, out: str | Path, year: int | None,
                template: str | Path | None = None,
                company: dict[str, Any] | None = None, valid_only: bool = True) -> ExportResult:
    """The company's consolidated CMRT with its company block (`company`: queries.company_block's keys — name,
    scope, contact, authorizer, effective date, optional answers), checked by minetrace's own validator before it
    is written: the form is written beside `out`, read back and validated, then moved into place; its status and
    findings come back with the result (a form that is not ready to send says why)."""
    import os
    import tempfile

    from minetrace.ingest.pipeline import parse_file
    from minetrace.queries.company_block import normalise, to_spec
    from minetrace.queries.template_writer import SmelterSpec, write_consolidated_cmrt

    check_out(out, (".xlsx",), "export cmrt (a CMRT workbook)")
    rows = consolidated_rows(store, model, year, valid_only)
    specs = [SmelterSpec(**{k: v for k, v in r.items() if k in SmelterSpec.__dataclass_fields__}) for r in rows]
    declaration = to_spec(normalise(company)) if company else None
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".cmrt-", suffix=".xlsx")
    os.close(fd)
    try:
        write_consolidated_cmrt(specs, tmp, template=template, declaration=declaration)
        decl = parse_file(tmp, name=target.name)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return ExportResult(str(out), len(rows), "cmrt", [f.to_json() for f in decl.findings], decl.status)


RESPONSE_COLUMNS = [
    Column("supplier_id", "Supplier ID"), Column("name", "Supplier", width=35), Column("status", "Survey status"),
    Column("in_scope", "In scope"), Column("scope_reason", "Scope reason", width=45), Column("category", "Category"),
    Column("contact_email", "Contact e-mail"), Column("contacted_on", "First contacted"),
    Column("follow_ups", "Follow-ups"), Column("last_contact", "Last contact"), Column("responded_on", "Responded"),
    Column("files", "Declaration files", width=40), Column("invalid_reasons", "Why invalid", width=60),
    Column("notes", "Notes", width=40), Column("candidates", "Master-list candidates", width=50),
    Column("link_command", "To link it", width=50),
]


def export_responses(store: GraphStore, out: str | Path, year: int | None,
                     model: RiskModel | None = None) -> ExportResult:
    """Every master-list supplier with its survey status, then every responder the master list does not account
    for (not on it, or linked only by a name proposal) with its best candidates and the command that links it —
    no response is left out of the file."""
    from minetrace.queries.linking import unlinked_responders

    check_out(out, what="export responses")
    ref = program_reference_date(model) if model else None
    policy = model.policy if model else None
    rows, figures = store_survey(store, year, ref, policy)
    unlinked = unlinked_responders(store, year)
    proposals = {u.supplier_id: u for u in unlinked if u.kind == "name_proposal"}
    data = []
    for r in rows:
        row = {**r.to_json(), "status": glossary.value("survey_status", r.status),
               "files": [d["file_name"] for d in r.declarations],
               "invalid_reasons": [glossary.without_code(x) for x in r.invalid_reasons]}
        if r.supplier_id in proposals:
            u = proposals[r.supplier_id]
            row["notes"] = [*row["notes"], f"linked by a name proposal: {u.company_name!r} — confirm it"]
            row["link_command"] = u.link_command
        data.append(row)
    for u in unlinked:
        if u.kind != "not_on_master_list":
            continue
        data.append({"supplier_id": None, "name": u.company_name or "(no company name on the form)",
                     "status": glossary.value("survey_status", "not_on_master_list"), "in_scope": None,
                     "files": [u.file_name], "responded_on": None,
                     "invalid_reasons": [] if u.status == "valid" else ["the form is invalid"],
                     "candidates": "; ".join(f"{c.supplier_id} {c.name} ({c.score:.0f}: {c.why})"
                                             for c in u.candidates) or "none close",
                     "link_command": u.link_command})
    fig_rows = [{"figure": glossary.value("figure", k), "value": v} for k, v in figures.to_json().items()
                if not isinstance(v, dict | list)]
    fig_rows += [{"figure": f"Out of scope: {glossary.words(k)}", "value": v}
                 for k, v in figures.out_of_scope_by_reason.items()]
    fig_rows.append({"figure": glossary.value("figure", "unlisted_responders"),
                     "value": sum(1 for u in unlinked if u.kind == "not_on_master_list")})
    if str(out).lower().endswith(".csv"):
        write_csv(out, RESPONSE_COLUMNS, data)
    else:
        write_xlsx(out, [SheetSpec("Responses", RESPONSE_COLUMNS, data),
                         SheetSpec("Figures", [Column("figure", "Figure", width=30),
                                               Column("value", "Value", width=60)], fig_rows),
                         *(about_sheets(store, model, year) if model is not None else [])])
    return ExportResult(str(out), len(data), "responses")


FINDING_COLUMNS = [
    Column("supplier_id", "Supplier ID"), Column("supplier_name", "Supplier", width=30),
    Column("file_name", "File", width=30), Column("reporting_year", "Year"), Column("status", "Form"),
    Column("kind", "Kind"), Column("code", "Code", width=28), Column("severity", "Severity"),
    Column("location", "Location", width=30), Column("message", "Message", width=70),
]


def findings_rows(store: GraphStore, year: int | None, model: RiskModel | None = None) -> list[dict[str, Any]]:
    """Validation findings of every current declaration, then smelter data-quality findings per row."""
    sups = {str(get(s, "id")): get(s, "name") for s in store.suppliers()}
    out: list[dict[str, Any]] = []
    decls = store.declarations(year=year, current_only=True)
    for d in decls:
        for f in as_json(get(d, "findings_json"), []) or []:
            out.append({"supplier_id": get(d, "supplier_id"), "supplier_name": sups.get(str(get(d, "supplier_id"))),
                        "file_name": get(d, "file_name"), "reporting_year": get(d, "reporting_year"),
                        "status": get(d, "status"), "kind": "validation", "code": get(f, "code"),
                        "severity": get(f, "severity"), "location": get(f, "location"), "message": get(f, "message")})
    if model is not None:
        for sid, flags in supplier_answer_flags(store, year, model.policy).items():
            for f in flags:
                out.append({"supplier_id": sid, "supplier_name": sups.get(sid), "file_name": f.file_name,
                            "reporting_year": f.reporting_year, "status": f.status, "kind": "supplier",
                            "code": f.code,
                            "severity": "warning", "location": f.cell, "message": f.text})
        hops = store.reports(year=year)
        risks = population(store, model, year)
        missing = [h for h in hops if str(get(h, "smelter_key")) not in risks]
        if missing:
            risks = {**risks, **risk_by_key(store, model, year, missing)}
        for h in hops:
            r = risks[str(get(h, "smelter_key"))]
            for f in r.findings:
                out.append({"supplier_id": get(h, "supplier_id"), "supplier_name": get(h, "supplier_name"),
                            "file_name": get(h, "file_name"), "reporting_year": get(h, "reporting_year"),
                            "status": get(h, "status"), "kind": "smelter", "code": f.code, "severity": "warning",
                            "location": get(h, "cell") or f"{get(h, 'sheet')}!row {get(h, 'row')}",
                            "message": f"{get(h, 'raw_name') or ''}: {f.text}"})
            for w in r.warnings:
                out.append({"supplier_id": get(h, "supplier_id"), "supplier_name": get(h, "supplier_name"),
                            "file_name": get(h, "file_name"), "reporting_year": get(h, "reporting_year"),
                            "status": get(h, "status"), "kind": "smelter", "code": "conformance_lapse",
                            "severity": "info", "location": get(h, "cell") or f"{get(h, 'sheet')}!row {get(h, 'row')}",
                            "message": f"{r.cid} {r.name}: {w}"})
    out.sort(key=lambda r: (str(r["supplier_id"]), str(r["file_name"]), r["kind"] != "validation"))
    return out


def export_findings(store: GraphStore, out: str | Path, year: int | None,
                    model: RiskModel | None = None) -> ExportResult:
    check_out(out, what="export findings")
    rows = findings_rows(store, year, model)
    write_table(out, FINDING_COLUMNS, rows, title="Findings",
                extra_sheets=about_sheets(store, model, year) if model is not None else ())
    return ExportResult(str(out), len(rows), "findings")
