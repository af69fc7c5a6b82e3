"""`minetrace demo`: generates the 2016 showcase program, ingests it, prints the validation summary and
what the explorer will show (resolved rows, risk levels, review queue, flagged suppliers)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.demo import (
    DEMO_WATCHLIST,
    REVIEW_BAIT,
    SHOWCASE,
    demo_facilities,
    demo_figures,
    generate_demo_set,
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(root, ["demo", "--dir", str(folder), "--suppliers", "24", "--seed", "3",
                                       "--no-serve"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return folder, result.output


def test_demo_command_generates_ingests_and_summarises(built: tuple[Path, str]) -> None:
    folder, output = built
    assert "Validation summary" in output
    assert "invalid" in output and "valid" in output
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = sorted((folder / "cmrt").glob("*.xlsx"))
    assert len(files) == sum(1 for s in manifest["suppliers"] if s["file"])
    written = {c for s in manifest["suppliers"] for c in s["cids"]}
    assert {f.cid for f in SHOWCASE} <= written  # the report's six, African Gold Refinery, a covered-country smelter
    assert (folder / "suppliers.csv").exists() and (folder / "store").is_dir()
    assert "CID002587" in output  # named in the closing lines
    assert "start it with: minetrace app --store" in output  # --no-serve: built, not served
    assert manifest["reference_date"] == "2016-12-31"


def test_demo_store_shows_a_believable_2016_program(built: tuple[Path, str]) -> None:
    folder, _ = built
    fig = demo_figures(folder / "store")
    assert fig["as_of"] == "2017-05-31"  # the filing date of the 2016 report
    assert fig["rows_resolved"] >= 0.85 * fig["rows"]  # most smelter rows resolve to a CID
    assert fig["risk"].get("high", 0) >= 7 and fig["risk"].get("medium", 0) >= 1 and fig["risk"].get("low", 0) >= 10
    assert fig["risk"]["low"] > fig["risk"].get("none", 0)  # the risk chart is not mostly grey
    assert set(DEMO_WATCHLIST) <= set(fig["flagged_smelters"])
    assert fig["flagged_suppliers"] >= 1
    assert fig["open_reviews"] >= 2  # planted near-miss names wait in the review queue


def test_demo_risk_reasons_and_flagged_paths(built: tuple[Path, str]) -> None:
    folder, _ = built
    runner = CliRunner()
    out = runner.invoke(root, ["risk", "smelters", "--store", str(folder / "store"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    by_cid = {s["cid"]: s for s in data["smelters"] if s["cid"]}
    assert by_cid["CID002587"]["level"] == "high" and by_cid["CID002587"]["watchlist"]
    assert by_cid["CID003185"]["level"] == "high"  # African Gold Refinery: Covered Country, not conformant
    lows = [s for s in data["smelters"] if s["level"] == "low"]
    assert lows and all("2016 report Appendix A" in r["text"] for s in lows for r in s["reasons"])
    assert all(s["reasons"] for s in data["smelters"] if s["level"])
    paths = runner.invoke(root, ["query", "paths", "--store", str(folder / "store"), "--json"])
    assert paths.exit_code == 0, paths.output
    body = json.loads(paths.output)
    items = body["paths"]
    flagged = {p["smelter"]["cid"] for p in items}
    assert "CID002587" in flagged
    assert all(p["declaration"]["file_name"] and p["hops"] for p in items)  # traceable to the source file


def test_second_run_on_the_same_folder_rebuilds_cleanly(tmp_path: Path) -> None:
    args = ["demo", "--dir", str(tmp_path), "--suppliers", "5", "--seed", "9", "--no-serve", "--no-summary"]
    first = CliRunner().invoke(root, args)
    assert first.exit_code == 0, first.output
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    second = CliRunner().invoke(root, args)
    assert second.exit_code == 0, second.output
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"  # only the demo's own files are rebuilt
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in (tmp_path / "cmrt").glob("*.xlsx")) == sorted(
        Path(s["file"]).name for s in manifest["suppliers"] if s["file"])
    fig = demo_figures(tmp_path / "store")
    assert fig["rows"] > 0 and fig["as_of"] == "2017-05-31"


def test_demo_facilities_are_the_appendix_smelters_the_starter_knows() -> None:
    facilities, watch = demo_facilities()
    assert len(facilities) >= 50 and all(f.cid for f in facilities)
    assert {f.cid for f in SHOWCASE} <= {f.cid for f in facilities}
    assert set(watch) == set(DEMO_WATCHLIST) and "CID001326" not in watch  # Russia's 2022 suspensions: not in 2016
    names = {f.name for f in facilities}
    assert "Tanaka Kikinzoku Kogyo K.K." in names and "H.C. Starck Smelting GmbH & Co. KG" in names  # 2016 names
    assert not {name for _, name, _ in REVIEW_BAIT} & names


def test_demo_set_is_reproducible_and_has_invalid_forms(tmp_path: Path) -> None:
    a = generate_demo_set(tmp_path / "a", 10, 2016)
    b = generate_demo_set(tmp_path / "b", 10, 2016)
    assert [p.file for p in a.suppliers] == [p.file for p in b.suppliers]
    for pa, pb in zip(a.suppliers, b.suppliers, strict=True):
        if pa.file:
            assert (tmp_path / "a" / pa.file).read_bytes() == (tmp_path / "b" / pb.file).read_bytes()  # type: ignore[operator]
    assert a.figures()["invalid"] >= 1 and a.figures()["valid"] >= 4
    assert sum(len(p.misspelled) for p in a.suppliers) >= len(REVIEW_BAIT)
