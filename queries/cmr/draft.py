"""The pipeline: store → figures → charts → template rendered → markers finished → .docx (+ PDF) + report.json.

Why here: the CLI (`minetrace report cmr`) and the explorer's Exports page call `draft_report` alike. A
company template and the default one take the same path; every error a user can cause (a template that is
not a .docx, a Jinja mistake, an unknown figure, a texts file that is not YAML, LibreOffice missing) is a
`ReportError` whose message names the file.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from minetrace.queries.cmr.charts import Shapes, render_charts
from minetrace.queries.cmr.context import build_context
from minetrace.queries.cmr.figures import Figure, ReportData, Table, collect
from minetrace.queries.cmr.finish import Finished, finish
from minetrace.queries.cmr.markers import clean
from minetrace.queries.cmr.pdf import PdfError, docx_to_pdf, find_soffice
from minetrace.queries.cmr.props import write_metadata
from minetrace.queries.cmr.template import build_default_template
from minetrace.queries.cmr.texts import PROMPTS, TextsError, load_texts
from minetrace.queries.context import QueryContext

FORMATS = ("docx", "pdf")
METADATA_VERSION = 1


class ReportError(ValueError):
    """The report cannot be written; the message names the file at fault."""


@dataclass
class ReportOptions:
    company: str | None = None
    template: str | Path | None = None
    texts: str | Path | None = None
    format: str | None = None  # docx | pdf (default: from the --out suffix)
    policy_file: str | None = None  # as given on the command line (for the reproduce commands)
    store: str | None = None
    as_of: date | None = None
    shapes: Callable[[], Shapes] | None = None  # country outlines for the map
    json_path: str | Path | None = None  # companion file (default: --out with .json)


@dataclass
class DraftResult:
    path: str
    json_path: str
    format: str
    data: ReportData
    finished: Finished
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def figures(self) -> dict[str, Figure]:
        return self.data.figures

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "json": self.json_path, "format": self.format, "year": self.data.year,
                "as_of": self.data.as_of, "figures": len(self.data.figures),
                "figure_occurrences": sum(self.finished.occurrences[k] for k in self.data.figures),
                "tables": self.finished.tables, "charts": self.finished.charts,
                "placeholders": self.finished.placeholders, "warnings": self.data.warnings, "seconds": self.seconds}


def output_format(out: str | Path, fmt: str | None) -> str:
    suffix = Path(out).suffix.lower().lstrip(".")
    chosen = (fmt or suffix or "docx").lower()
    if chosen not in FORMATS:
        raise ReportError(f"{out}: the report is written as .docx or .pdf (got {chosen!r})")
    if suffix and suffix != chosen:
        raise ReportError(f"{out}: --format {chosen} does not match the file name's .{suffix}")
    return chosen


def load_template(template: str | Path | None) -> tuple[bytes, str]:
    """(template bytes, name) — the user's .docx or the default one."""
    if not template:
        return build_default_template(), "default"
    path = Path(template)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the template ({exc.strerror or exc})") from exc
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            if "word/document.xml" not in z.namelist():
                raise ReportError(f"{path}: not a Word .docx template (no word/document.xml)")
    except zipfile.BadZipFile as exc:
        raise ReportError(f"{path}: not a Word .docx template (not a zip package)") from exc
    return blob, path.name


def _render(template: bytes, name: str, context: dict[str, Any]) -> DocxTemplate:
    tpl = DocxTemplate(io.BytesIO(template))
    env = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    try:
        tpl.render(context, jinja_env=env)
    except TemplateError as exc:
        lineno = exc.lineno if isinstance(exc, TemplateSyntaxError) else None
        where = f" (line {lineno} of the document XML)" if lineno else ""
        raise ReportError(f"{name}: template error{where}: {clean(exc.message or exc)}") from exc
    except KeyError as exc:
        raise ReportError(f"{name}: {clean(exc.args[0] if exc.args else exc)}") from exc
    except Exception as exc:  # docxtpl/lxml on a damaged template
        raise ReportError(f"{name}: cannot render the template ({type(exc).__name__}: {clean(exc)})") from exc
    return tpl


def table_digest(table: Table) -> str:
    return hashlib.sha256(json.dumps(table.text_rows(), ensure_ascii=False).encode()).hexdigest()[:16]


def metadata(data: ReportData, options: ReportOptions, finished: Finished, template_name: str,
             company: str | None) -> dict[str, Any]:
    return {"tool": "minetrace", "kind": "cmr", "version": METADATA_VERSION, "year": data.year,
            "as_of": data.as_of, "as_of_given": options.as_of is not None, "policy": options.policy_file,
            "company": company, "generated": data.generated, "template": template_name,
            "figures": {k: f.text for k, f in data.figures.items()}, "bookmarks": finished.bookmarks,
            "tables": {k: table_digest(t) for k, t in data.tables.items() if k in finished.tables}}


def companion(data: ReportData, result_path: str, finished: Finished, template_name: str,
              company: str | None) -> dict[str, Any]:
    """report.json: every figure with the command that reproduces it, tables, placeholders, data dates."""
    return {
        "report": Path(result_path).name, "year": data.year, "as_of": data.as_of, "filing_date": data.filing_date,
        "survey_reference_date": data.survey_reference_date, "policy": data.policy_source, "company": company,
        "generated": data.generated, "template": template_name,
        "figures": [{**f.to_json(), "occurrences": finished.occurrences.get(k, 0)} for k, f in data.figures.items()],
        "tables": [{**t.to_json(), "in_document": k in finished.tables} for k, t in data.tables.items()],
        "placeholders": [{"key": k, "prompt": PROMPTS.get(k, k)} for k in finished.placeholders],
        "charts": finished.charts, "warnings": data.warnings, "data": data.data_dates,
        "commands": data.commands,
        "note": "Each figure's `path` is a JMESPath expression on the `command`'s JSON output (jmespath.org), "
                "or xlsx:SHEET!ROW for the file the command writes. `minetrace report check` re-reads the "
                "document and lists figures whose text no longer matches the data.",
    }


def draft_report(ctx: QueryContext, out: str | Path, options: ReportOptions | None = None) -> DraftResult:
    """Write the year's Conflict Minerals Report to `out` (.docx or .pdf) and its report.json."""
    options = options or ReportOptions()
    out = Path(out)
    fmt = output_format(out, options.format)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    if fmt == "pdf":
        try:
            find_soffice()  # fail before the work, naming the missing piece
        except PdfError as exc:
            raise ReportError(f"{out}: {exc}") from exc
    try:
        texts = load_texts(options.texts, options.company)
    except TextsError as exc:
        raise ReportError(str(exc)) from exc
    template, template_name = load_template(options.template)
    if ctx.year is None:
        raise ReportError("the report needs --year (the reporting year it covers)")
    data = collect(ctx, options.policy_file, options.store, options.as_of)
    seconds["figures"] = time.perf_counter() - t0
    t = time.perf_counter()
    charts = render_charts(data, options.shapes)
    seconds["charts"] = time.perf_counter() - t
    t = time.perf_counter()
    context = build_context(data, texts, ctx.policy, list(charts))
    tpl = _render(template, template_name, context)
    document = tpl.docx
    finished = finish(document, data, charts)
    company = texts["company"].text if "company" in texts else None
    props = document.core_properties
    props.title = f"Conflict Minerals Report {data.year}" + (f" — {company}" if company else "")
    props.subject = f"Form SD Conflict Minerals Report, reporting year {data.year} (draft)"
    props.comments = "Drafted by minetrace from the data on file; see report.json for every figure's source."
    write_metadata(document, metadata(data, options, finished, template_name, company))
    buf = io.BytesIO()
    tpl.save(buf)
    docx = buf.getvalue()
    seconds["docx"] = time.perf_counter() - t
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        t = time.perf_counter()
        try:
            blob = docx_to_pdf(docx)
        except PdfError as exc:
            raise ReportError(f"{out}: {exc}") from exc
        seconds["pdf"] = time.perf_counter() - t
    else:
        blob = docx
    out.write_bytes(blob)
    json_path = Path(options.json_path) if options.json_path else out.with_suffix(".json")
    json_path.write_text(json.dumps(companion(data, str(out), finished, template_name, company), indent=2,
                                    ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    seconds["total"] = time.perf_counter() - t0
    return DraftResult(str(out), str(json_path), fmt, data, finished, {k: round(v, 2) for k, v in seconds.items()})
