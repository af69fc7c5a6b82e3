"""The campaign's mitigation cases in the Conflict Minerals Report: "steps taken" becomes a table of traced
figures (`m_<key>`), each reproduced by `minetrace mitigation list --year … --json` and its JMESPath."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import jmespath
from docx import Document
from status_support import write_status_lists
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist

YEAR = 2025


def run(*args: str) -> str:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def test_mitigation_cases_fill_steps_taken_with_traced_figures(tmp_path: Path) -> None:
    generate_program(tmp_path / "prog", 8, seed=5, facilities=starter_facilities(), watchlist=starter_watchlist(),
                     master_list=True, watchlist_share=0.6, language_share=0.0)
    st = ("--store", str(tmp_path / "store"))
    run("reference", "import", *map(str, write_status_lists(tmp_path / "rmi", YEAR)), *st)  # RMI's status lists
    run("survey", "import-suppliers", str(tmp_path / "prog" / "suppliers.csv"), *st)
    run("ingest", str(tmp_path / "prog" / "cmrt"), "--year", str(YEAR), "--receipts", *st)
    cases = json.loads(run("mitigation", "list", "--year", str(YEAR), "--json", *st))["cases"]
    assert len(cases) >= 2, "the generated program lists high-risk smelters"
    run("mitigation", "update", cases[0]["key"], "--state", "closed", "--reason", "removed", *st)
    run("mitigation", "update", cases[1]["key"], "--state", "replied", "--note", "checking", *st)
    out = tmp_path / "cmr.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), *st)
    figures = {f["id"]: f for f in json.loads(out.with_suffix(".json").read_text())["figures"]}
    expected = {"m_opened": len(cases), "m_requested": len(cases), "m_replied": 1, "m_open": len(cases) - 1,
                "m_closed_removed": 1, "m_closed_product_cmrt_no_use": 0, "m_closed_risk_accepted": 0}
    assert {k: figures[k]["value"] for k in expected} == expected
    for key in expected:  # each figure is reproduced by the command and path it names
        args = shlex.split(figures[key]["command"])
        assert args[:3] == ["minetrace", "mitigation", "list"]
        doc = json.loads(run(*args[1:], "--json"))
        assert jmespath.search(figures[key]["path"], doc) == figures[key]["value"], key
    texts = [c.text for t in Document(str(out)).tables for row in t.rows for c in row.cells]
    assert "High-risk supplier–smelter links with a mitigation case" in texts
    assert "Closed: smelter removed from the supply chain" in texts
