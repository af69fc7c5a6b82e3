"""The Jinja context a report template is rendered with: every figure, table, chart and list, marked.

Why its own module: the names here are the template language a company writes its own template in
(documented in `template.py` and docs/queries.md), so they are kept in one place. Figures, tables and
charts are `Marked` values (see markers.py); lists of rows are plain strings cleaned of anything that
is not text, so nothing from a supplier file can become markup or Jinja.
"""

from __future__ import annotations

from typing import Any

from minetrace.queries.cmr import markers as mk
from minetrace.queries.cmr.criteria import country_list, program_criteria, risk_criteria
from minetrace.queries.cmr.figures import Figure, ReportData
from minetrace.queries.cmr.texts import Texts
from minetrace.queries.policy import Policy


class Lookup(dict):
    """A mapping whose unknown keys raise a KeyError naming what exists (shown by the CLI)."""

    kind = "value"

    def __missing__(self, key: str) -> Any:
        raise KeyError(f"the template asks for {self.kind} {key!r}, which the report does not have "
                       f"(known: {', '.join(sorted(self)) or 'none'})")


class Figures(Lookup):
    kind = "figure"


class Tables(Lookup):
    kind = "table"


class Charts(Lookup):
    kind = "chart"


def _marked(obj: Any) -> Any:
    """Figures inside lists become marked figures; strings are cleaned; containers are walked."""
    if isinstance(obj, Figure):
        return mk.Marked(mk.FIGURE, obj.id, obj.text, obj.value)
    if isinstance(obj, str):
        return mk.clean(obj)
    if isinstance(obj, dict):
        return {k: _marked(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_marked(v) for v in obj]
    return obj


def build_context(data: ReportData, texts: Texts, policy: Policy, chart_ids: list[str]) -> dict[str, Any]:
    figures = Figures({k: mk.Marked(mk.FIGURE, k, f.text, f.value) for k, f in data.figures.items()})
    tables = Tables({k: mk.Marked(mk.TABLE, k, "", len(t.rows)) for k, t in data.tables.items()})
    charts = Charts({k: mk.Marked(mk.CHART, k, "", k) for k in chart_ids})
    return {
        "company": texts["company"],
        "year": data.year,
        "as_of": data.as_of,
        "filing_date": data.filing_date or "",
        "survey_date": data.survey_reference_date,
        "policy": mk.clean(policy.source),
        "generated": data.generated[:10],
        "covered_countries": country_list(policy.risk.covered_countries),
        "labels": {"conformant": mk.clean(policy.report.appendix_conformant_label),
                   "other": mk.clean(policy.report.appendix_other_label)},
        "f": figures,
        "figures": figures,
        "t": tables,
        "tables": tables,
        "charts": charts,
        "text": texts,
        "lists": _marked(data.lists),
        "criteria": {"risk": risk_criteria(policy, data.as_of), "program": program_criteria(policy)},
        "data_dates": _marked(data.data_dates),
        "mitigation": data.mitigation,
        "warnings": [mk.Marked(mk.WARNING, str(i), f"Note on the data: {w}") for i, w in enumerate(data.warnings)],
    }
