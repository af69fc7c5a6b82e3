"""`minetrace demo`: generates a showcase supplier set, parses it and prints the summary table."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from app.cli import root
from app.cli_demo import SHOWCASE, generate_demo_set


def test_demo_command_generates_parses_and_summarises(tmp_path: Path) -> None:
    result = CliRunner().invoke(root, ["demo", "--dir", str(tmp_path), "--suppliers", "6", "--seed", "3"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Validation summary" in result.output
    assert "invalid" in result.output and "valid" in result.output
    files = sorted((tmp_path / "cmrt").glob("*.xlsx"))
    assert len(files) == 6
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    written = {c for s in manifest["suppliers"] for c in s["cids"]}
    assert {f.cid for f in SHOWCASE} <= written  # the watchlisted and covered-country showcase smelters
    assert (tmp_path / "suppliers.csv").exists()
    assert "CID002587" in result.output  # named in the closing line


def test_demo_set_is_reproducible_and_has_invalid_forms(tmp_path: Path) -> None:
    a = generate_demo_set(tmp_path / "a", 8, 2016)
    b = generate_demo_set(tmp_path / "b", 8, 2016)
    assert [p.file for p in a.suppliers] == [p.file for p in b.suppliers]
    for pa, pb in zip(a.suppliers, b.suppliers, strict=True):
        assert (tmp_path / "a" / pa.file).read_bytes() == (tmp_path / "b" / pb.file).read_bytes()  # type: ignore[operator]
    assert a.figures()["invalid"] == 2 and a.figures()["valid"] == 6
