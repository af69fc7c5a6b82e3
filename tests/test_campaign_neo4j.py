"""The same campaign on the embedded store and on a real Neo4j 5.26: the same messages, cases and funnel.

Campaign state goes through the store interface (`save_campaign_records` / `campaign_records`, beside the
survey events), so a program run against `--store bolt://…` must write what it writes on a folder.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from status_support import write_status_lists
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
from minetrace.queries.template_writer import CmrtSpec, write_cmrt

pytest_plugins = ["neo4j_server"]
pytestmark = pytest.mark.neo4j
YEAR = 2025


def cli(*args: str) -> Any:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout) if "--json" in args else res.stdout


def run(store: str, prog: Path, blank: Path) -> dict[str, Any]:
    st = ("--store", store)
    d0 = date.today() - timedelta(days=40)
    cli("reference", "import", *map(str, write_status_lists(prog.parent / "rmi", YEAR)), *st)  # RMI's lists
    cli("survey", "import-suppliers", str(prog / "suppliers.csv"), *st)
    out: dict[str, Any] = {}
    out["request"] = cli("survey", "request", "--year", str(YEAR), "--template", str(blank), "--date", d0.isoformat(),
                         "--json", *st)
    files = sorted((prog / "cmrt").glob("*.xlsx"))
    out["ingest"] = cli("ingest", *[str(f) for f in files[:4]], "--year", str(YEAR), "--receipts", "--json", *st)
    out["remind"] = cli("survey", "remind", "--year", str(YEAR), "--date", (d0 + timedelta(days=20)).isoformat(),
                        "--json", *st)
    out["again"] = cli("survey", "request", "--year", str(YEAR), "--template", str(blank), "--json", *st)
    out["cases"] = cli("mitigation", "list", "--json", *st)["cases"]
    out["funnel"] = cli("survey", "funnel", "--year", str(YEAR), "--json", *st)
    return out


def shape(out: dict[str, Any]) -> dict[str, Any]:
    """What must agree between stores (paths and timestamps differ)."""
    def msgs(res: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((m["kind"], m["supplier_id"], m["seq"], m["subject"], m["message_id"], tuple(m["to"]))
                      for m in res["written"])

    return {"request": msgs(out["request"]), "receipts": msgs(out["ingest"]["receipts"]),
            "remind": msgs(out["remind"]), "held": sorted((h["supplier_id"], h["reason"])
                                                          for h in out["remind"]["held"]),
            "again": (out["again"]["written"], len(out["again"]["existing"])),
            "cases": sorted((c["key"], c["state"], tuple(c["receipts"])) for c in out["cases"]),
            "funnel": {k: out["funnel"][k] for k in ("in_scope", "requested", "contacted", "responded", "valid",
                                                     "invalid", "reminded", "messages", "cases_open")}}


def test_campaign_on_neo4j_matches_the_embedded_store(neo4j_clean: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    prog = tmp_path / "prog"
    manifest = generate_program(prog, 7, seed=5, facilities=starter_facilities(), watchlist=starter_watchlist(),
                                master_list=True, watchlist_share=0.6, invalid_share=0.3, language_share=0.0)
    blank = write_cmrt(CmrtSpec(), tmp_path / "blank.xlsx", "6.5")
    monkeypatch.chdir(tmp_path)  # a URI store keeps its reference DB and outbox in ./.minetrace
    monkeypatch.delenv("MINETRACE_STORE", raising=False)
    emb = run(str(tmp_path / "emb"), prog, blank)
    neo = run(neo4j_clean, prog, blank)
    assert shape(emb) == shape(neo)
    assert len(emb["request"]["written"]) == 7 and emb["again"]["written"] == []
    assert len(emb["ingest"]["receipts"]["written"]) == 4
    assert Path(neo["request"]["outbox"]) == tmp_path / ".minetrace" / "outbox"
    responders = {Path(s.file).name for s in manifest.suppliers if s.file}
    assert len(responders) == 7
    assert {c["supplier_id"] for c in emb["cases"]} <= {m["supplier_id"] for m in emb["ingest"]["receipts"]["written"]}
    assert emb["cases"], "the forms list watchlisted smelters: cases are opened (status lists imported)"
