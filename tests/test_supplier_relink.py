"""Linking that never drops a response.

* `GraphStore.relink_declaration` on both stores (the contract's store factory: embedded and a real Neo4j):
  a form moves to another supplier with its rows, received date and findings; the current form of both groups is
  recomputed; a held (proposed) link stays pending beside a confirmed current form; the declared-name supplier left
  without forms goes.
* The CLI on generated CMRTs: forms first, master list after → relinked (exact names at once, a name with parent
  wording as a held proposal); `survey status` lists who is still unmatched with candidates and the command;
  `survey link` decides, applies at once and is remembered for the next form; `survey relink --dry-run`;
  the responses export carries the unmatched responder.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from test_store_contract import put, rows, store_factory  # noqa: F401 - the contract's fixture, both stores
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic import graph_program as synth
from minetrace.graph import schema as S
from minetrace.graph.store import GraphStore, SupplierRecord
from minetrace.queries.template_writer import SmelterSpec, complete_spec, write_cmrt

# ----------------------------------------------------------------------------------------------- the store contract


def test_relink_moves_a_form_with_everything_it_holds(store_factory) -> None:  # noqa: F811
    st: GraphStore = store_factory()
    st.upsert_suppliers([SupplierRecord("S1", "EMD Electronics", category="direct")])
    decl = synth.declaration("EMD Electronics, a business of Merck KGaA", rows("CID000001", "CID000002"), tag="m")
    declared = SupplierRecord(S.DECLARED_SUPPLIER_PREFIX + "emd", "EMD Electronics, a business of Merck KGaA")
    put(st, decl, declared)
    before = st.declaration(decl.file.sha256)
    assert before is not None and before.supplier_id == declared.id
    assert st.relink_declaration(decl.file.sha256, SupplierRecord("S1", "EMD Electronics")) is True
    after = st.declaration(decl.file.sha256)
    assert after is not None and after.supplier_id == "S1" and after.current
    assert (after.received, after.findings_json, after.smelter_rows) == (before.received, before.findings_json,
                                                                        before.smelter_rows)
    assert {h.smelter_key for h in st.reports(supplier_ids=["S1"])} == {"CID000001", "CID000002"}
    assert st.supplier(declared.id) is None  # the declared-name supplier had nothing else
    master = st.supplier("S1")
    assert master is not None and master.origin == S.ORIGIN_MASTER and master.name == "EMD Electronics"
    chains = st.supplier_chains(["S1"])
    assert chains["S1"] and chains["S1"][0][-1] == "S1"
    assert st.relink_declaration("0" * 64, SupplierRecord("S1", "x")) is False


def test_a_held_link_waits_beside_the_confirmed_form_until_confirmed(store_factory) -> None:  # noqa: F811
    st: GraphStore = store_factory()
    st.upsert_suppliers([SupplierRecord("S1", "Acme Components", category="direct")])
    old = synth.declaration("Acme Components", rows("CID000001"), effective=date(2025, 2, 1), tag="old")
    put(st, old, SupplierRecord("S1", "Acme Components"))
    new = synth.declaration("Acme Components, part of Acme Group", rows("CID000003"), effective=date(2025, 4, 1),
                            tag="new")
    put(st, new, SupplierRecord(S.DECLARED_SUPPLIER_PREFIX + "acme group", "Acme Components, part of Acme Group"))
    hold = "identity unconfirmed: a proposal"
    st.relink_declaration(new.file.sha256, SupplierRecord("S1", "Acme Components"), hold)
    held = st.declaration(new.file.sha256)
    assert held is not None and not held.current and held.pending == hold
    assert [d.id for d in st.declarations(supplier_id="S1")] == [old.file.sha256]
    st.relink_declaration(new.file.sha256, SupplierRecord("S1", "Acme Components"), None)  # an analyst confirms
    assert [d.id for d in st.declarations(supplier_id="S1")] == [new.file.sha256]
    assert st.declaration(old.file.sha256).superseded_by == new.file.sha256  # type: ignore[union-attr]


def test_the_old_supplier_keeps_its_other_forms(store_factory) -> None:  # noqa: F811
    st: GraphStore = store_factory()
    st.upsert_suppliers([SupplierRecord("S1", "Bolt Metals")])
    declared = SupplierRecord(S.DECLARED_SUPPLIER_PREFIX + "bolt", "Bolt")
    a = synth.declaration("Bolt", rows("CID000001"), tag="a")
    b = synth.declaration("Bolt", rows("CID000002"), tag="b")
    put(st, a, declared, year=2024)
    put(st, b, declared, year=2025)
    st.relink_declaration(b.file.sha256, SupplierRecord("S1", "Bolt Metals"))
    assert [d.id for d in st.declarations(supplier_id=declared.id)] == [a.file.sha256]
    assert st.supplier(declared.id) is not None


# ----------------------------------------------------------------------------------------------------- the CLI


def cli(*args: str) -> str:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.stdout


def form(folder: Path, company: str, email: str, cid: str = "CID002587") -> Path:
    from minetrace.app.synthetic.workbooks import starter_facilities

    facs = {f.cid: f for f in starter_facilities()}
    spec = complete_spec(company, metals=("Gold",), smelters=[SmelterSpec.listed(facs[cid])],
                         effective_date=date(2025, 3, 1), email_domain=email.split("@")[1])
    spec.company["contact_email"] = email
    path = folder / f"{company.split(',')[0].replace(' ', '_')}.xlsx"
    return write_cmrt(spec, path, facilities=list(facs.values()))


@pytest.fixture
def program(tmp_path: Path) -> tuple[str, Path]:
    """Three forms ingested with no master list; then the master list arrives."""
    forms = tmp_path / "forms"
    forms.mkdir()
    form(forms, "EMD Electronics, a business of Merck KGaA, Darmstadt, Germany", "mary@emdgroup.example")
    form(forms, "Central Glass Co., Ltd.", "toru@cgco.example")
    form(forms, "Stranger Metals Trading", "x@stranger.example")
    store = str(tmp_path / "store")
    cli("ingest", str(forms), "--store", store, "--year", "2025")
    vendors = tmp_path / "vendors.csv"
    vendors.write_text("Supplier ID,Supplier Name,Category,Last Purchase Date\n"
                       "S001,EMD Electronics,Direct,2025-03-01\nS002,Central Glass Co. Ltd,Direct,2025-02-01\n"
                       "S003,Quiet Supplier Ltd,Direct,2025-01-10\n"
                       "S004,Stranger Holdings Trading Co,Direct,2025-01-10\n",
                       encoding="utf-8")
    return store, vendors


def test_a_master_list_after_the_forms_drops_no_response(program: tuple[str, Path], tmp_path: Path) -> None:
    store, vendors = program
    before = json.loads(cli("survey", "status", "--store", store, "--json"))
    assert before["figures"]["master_list"] == 0
    out = cli("survey", "import-suppliers", str(vendors), "--store", store)
    assert "filed 2 under a master-list supplier" in " ".join(out.split())
    status = json.loads(cli("survey", "status", "--store", store, "--json"))
    st = {s["supplier_id"]: s["status"] for s in status["suppliers"]}
    assert st["S001"] == "responded_valid" and st["S002"] == "responded_valid"  # nobody chases them
    assert status["figures"]["responded"] == 2 and status["year_basis"] == "newest_with_forms"
    unlinked = {u["company_name"]: u for u in status["unlinked_responders"]}
    emd = unlinked["EMD Electronics, a business of Merck KGaA, Darmstadt, Germany"]
    assert emd["kind"] == "name_proposal" and emd["supplier_id"] == "S001" and emd["candidates"][0]["score"] == 95
    stranger = unlinked["Stranger Metals Trading"]
    assert stranger["kind"] == "not_on_master_list" and stranger["candidates"][0]["supplier_id"] == "S004"
    assert stranger["link_command"] == "minetrace survey link 'Stranger Metals Trading' --to S004"
    text = " ".join(cli("survey", "status", "--store", store).split())
    assert "1 responder(s) not on the master list" in text and "minetrace survey link 'Stranger Metals" in text
    assert "1 responder(s) linked only by a name proposal" in text
    assert "responded_valid" not in text and "not_contacted" not in text  # words, not codes
    # the responses export carries the responder the master list does not know, with its candidate
    xlsx = tmp_path / "responses.xlsx"
    cli("export", "responses", "--out", str(xlsx), "--store", store)
    ws = openpyxl.load_workbook(xlsx)["Responses"]
    header = [c.value for c in ws[1]]
    lines = [dict(zip(header, [c.value for c in r], strict=False)) for r in ws.iter_rows(min_row=2)]
    row = next(r for r in lines if r["Supplier"] == "Stranger Metals Trading")
    assert row["Survey status"] == "not on the master list" and "S004" in row["Master-list candidates"]
    assert not [h for h in header if "_" in str(h)]


def test_an_analysts_link_applies_at_once_and_is_remembered(program: tuple[str, Path], tmp_path: Path) -> None:
    store, vendors = program
    cli("survey", "import-suppliers", str(vendors), "--store", store)
    dry = json.loads(cli("survey", "relink", "--dry-run", "--store", store, "--json"))
    assert dry["dry_run"] and dry["moved"] == []  # everything the master list settles is filed already
    out = " ".join(cli("survey", "link", "Stranger Metals Trading", "--to", "S004", "--store", store).split())
    assert "1 stored form(s) filed there" in out and "remembered for later forms" in out
    out = " ".join(cli("survey", "link", "EMD Electronics, a business of Merck KGaA, Darmstadt, Germany", "--to",
                       "S001", "--store", store).split())
    assert "confirmed" in out
    status = json.loads(cli("survey", "status", "--store", store, "--json"))
    assert status["unlinked_responders"] == []
    assert {s["supplier_id"]: s["status"] for s in status["suppliers"]}["S004"] == "responded_valid"
    # the next form under the same declared name lands on the analyst's supplier, with no proposal
    later = tmp_path / "later"
    later.mkdir()
    form(later, "Stranger Metals Trading", "y@stranger.example", cid="CID002563")
    doc = json.loads(cli("ingest", str(later), "--store", store, "--year", "2025", "--json"))
    assert (doc["files"][0]["supplier_id"], doc["files"][0]["supplier_link"]) == ("S004", "analyst")
    res = CliRunner().invoke(root, ["survey", "link", "Nobody Ltd", "--to", "S001", "--store", store])
    assert res.exit_code == 2 and "no stored form matches" in res.stderr
    res = CliRunner().invoke(root, ["survey", "link", "Stranger Metals Trading", "--to", "S999", "--store", store])
    assert res.exit_code == 2 and "not a supplier of the master list" in res.stderr
