"""The synthetic supplier program: deterministic, realistic, and its manifest tells the truth."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest

from minetrace.app.synthetic.workbooks import (
    DEFECT_FINDINGS,
    INVALID_DEFECTS,
    WARNING_DEFECTS,
    apply_defect,
    generate_program,
    starter_facilities,
    starter_watchlist,
)
from minetrace.ingest.pipeline import parse_file
from minetrace.ingest.suppliers import read_supplier_list
from minetrace.queries.template_writer import Facility, SmelterSpec, complete_spec, write_cmrt

FACILITIES = starter_facilities()
WATCH = starter_watchlist()


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_starter_facilities_are_facts_with_template_country_names() -> None:
    with_cid = [f for f in FACILITIES if f.cid]
    assert len(with_cid) >= 20 and all(f.cid.startswith("CID") and len(f.cid) == 9 for f in with_cid)
    goetz = next(f for f in FACILITIES if f.cid == "CID002587")
    assert (goetz.metal, goetz.name, goetz.country) == ("Gold", "Tony Goetz NV", "BELGIUM")
    assert "CID002587" in WATCH
    assert all(f.country == f.country.upper() for f in FACILITIES)


def test_same_seed_same_bytes_and_manifest(tmp_path: Path) -> None:
    kw = {"watchlist": WATCH, "master_list": True, "invalid_share": 0.3, "response_rate": 0.8,
          "out_of_scope_share": 0.2}
    a = generate_program(tmp_path / "a", 8, 42, FACILITIES, **kw)  # type: ignore[arg-type]
    b = generate_program(tmp_path / "b", 8, 42, FACILITIES, **kw)  # type: ignore[arg-type]
    assert _strip_out_dir(tmp_path / "a") == _strip_out_dir(tmp_path / "b")  # every file, byte for byte
    assert [p.__dict__ for p in a.suppliers] == [p.__dict__ for p in b.suppliers]
    c = generate_program(None, 8, 43, FACILITIES, **{**kw, "master_list": False}, write=False)  # type: ignore[arg-type]
    assert [p.name for p in c.suppliers] != [p.name for p in a.suppliers]


def _strip_out_dir(root: Path) -> dict[str, bytes]:
    files = _tree(root)
    manifest = json.loads(files.pop("manifest.json"))
    manifest.pop("out_dir")
    files["manifest.json"] = json.dumps(manifest, sort_keys=True).encode()
    return files


def test_cmrt_files_identical_across_runs(tmp_path: Path) -> None:
    generate_program(tmp_path / "a", 5, 7, FACILITIES)
    generate_program(tmp_path / "b", 5, 7, FACILITIES)
    a, b = _tree(tmp_path / "a" / "cmrt"), _tree(tmp_path / "b" / "cmrt")
    assert a == b and len(a) == 5


def test_row_counts_are_realistic() -> None:
    m = generate_program(None, 300, 3, FACILITIES, watchlist=WATCH, large_share=0.03, write=False)
    counts = [p.smelter_rows for p in m.responders()]
    small = [c for c in counts if c <= 45]
    large = [c for c in counts if c >= 300]
    assert len(small) / len(counts) > 0.9
    assert 2 <= len(large) <= 25
    assert all(c >= 1 for c in counts)


def test_figures_follow_the_shares() -> None:
    m = generate_program(None, 200, 5, FACILITIES, watchlist=WATCH, invalid_share=0.1, response_rate=0.8,
                         out_of_scope_share=0.15, write=False)
    f = m.figures()
    assert f["suppliers"] == 200 and f["in_scope"] == 170 and f["responded"] == 136
    assert f["invalid"] == round(136 * 0.1) and f["valid"] == 136 - f["invalid"]
    out = [p for p in m.suppliers if not p.in_scope]
    assert {p.out_of_scope_reason for p in out} <= {"service", "indirect", "inactive"}
    assert all(p.file is None and not p.responded for p in out)
    invalid = [p for p in m.responders() if p.expected_status == "invalid"]
    assert all(any(d in INVALID_DEFECTS for d in p.defects) for p in invalid)
    assert all(p.expected_checker_missing == sum(d in INVALID_DEFECTS for d in p.defects) for p in m.responders())


def test_watchlisted_and_messy_rows_are_recorded() -> None:
    m = generate_program(None, 150, 11, FACILITIES, watchlist=WATCH, watchlist_share=0.2, write=False)
    reaching = {cid: m.suppliers_reaching(cid) for cid in WATCH}
    assert any(reaching.values())
    for plan in m.responders():
        spec = m.specs[plan.supplier_id]
        cids = {s.cid for s in spec.smelters if s.cid}
        assert set(plan.cids) == cids
        assert set(plan.watchlisted) == cids & set(WATCH)
    assert any(p.misspelled for p in m.responders()) and any(p.unknown_names for p in m.responders())
    assert any(p.not_yet_identified for p in m.responders())


def test_manifest_expectations_hold_after_parsing(tmp_path: Path) -> None:
    m = generate_program(tmp_path, 16, 2016, FACILITIES, watchlist=WATCH, invalid_share=0.4, master_list=True)
    for plan in m.responders():
        assert plan.file is not None
        decl = parse_file(tmp_path / plan.file)
        found = {f.code for f in decl.findings}
        assert decl.status == plan.expected_status, (plan.supplier_id, plan.defects, decl.findings)
        assert decl.checker_missing == plan.expected_checker_missing, (plan.supplier_id, plan.defects)
        assert set(plan.expected_findings) <= found, (plan.supplier_id, plan.defects, found)
        assert decl.company.name == (None if "missing_company_name" in plan.defects else plan.name)
        assert len(decl.smelters) == plan.smelter_rows
        assert sorted({s.cid for s in decl.smelters if s.cid}) == plan.cids
    saved = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert saved["figures"] == m.figures()


def test_master_list_reads_with_the_supplier_importer(tmp_path: Path) -> None:
    m = generate_program(tmp_path, 30, 9, FACILITIES, master_list=True, out_of_scope_share=0.3, response_rate=0.5,
                         lean=True)
    result = read_supplier_list(tmp_path / "suppliers.csv")
    assert [s.id for s in result.suppliers] == [p.supplier_id for p in m.suppliers]
    by_id = {s.id: s for s in result.suppliers}
    for p in m.suppliers:
        assert by_id[p.supplier_id].category == p.category
        assert by_id[p.supplier_id].contact_email == p.contact_email


def test_arguments_in_either_order_and_default_facilities(tmp_path: Path) -> None:
    m = generate_program(3, tmp_path, seed=1)  # type: ignore[arg-type]  # (n, out_dir) is tolerated
    assert len(m.responders()) == 3 and (tmp_path / "manifest.json").exists()


def test_facilities_without_cid_are_written_by_name(tmp_path: Path) -> None:
    facilities = [Facility(None, "Tin", "Nameonly Tin Works", "BOLIVIA")]
    m = generate_program(tmp_path, 2, 1, facilities, invalid_share=0.0)
    decl = parse_file(tmp_path / m.responders()[0].file)  # type: ignore[operator]
    assert decl.smelters and all(s.metal == "Tin" for s in decl.smelters)
    assert m.responders()[0].cids == []


@pytest.mark.parametrize("defect", INVALID_DEFECTS + WARNING_DEFECTS)
def test_every_defect_produces_its_finding(tmp_path: Path, defect: str) -> None:
    """Each defect the generator can plant is seen by the reader + validator as the manifest says."""
    rng = random.Random(1)
    spec = complete_spec(scope="B", metals=("Tin", "Gold"), effective_date=date(2025, 9, 30),
                         smelters=[SmelterSpec.listed(f) for f in FACILITIES if f.cid and f.metal in ("Tin", "Gold")])
    apply_defect(defect, spec, rng, ["Tin", "Gold"], date(2025, 12, 31))
    decl = parse_file(write_cmrt(spec, tmp_path / f"{defect}.xlsx", lean=True))
    assert DEFECT_FINDINGS[defect] in {f.code for f in decl.findings}
    assert decl.status == ("invalid" if defect in INVALID_DEFECTS else "valid")
    assert decl.checker_missing == (1 if defect in INVALID_DEFECTS else 0)
