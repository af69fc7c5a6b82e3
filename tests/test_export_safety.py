"""Every CSV/xlsx the tool writes neutralises formula text — graph exports included — and every --out
extension is honoured or refused with a message (never xlsx bytes in a file called .csv)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import hostile_corpus as hc
import openpyxl
import pytest
from typer.testing import CliRunner

from minetrace.app.cli import root

INJECTION = '=HYPERLINK("http://evil.example","x")'


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(root, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("exports")
    path = base / "evil.xlsx"  # text cells (openpyxl would write "=…" as a formula), as a supplier's Excel keeps them
    path.write_bytes(hc.cmrt_bytes(INJECTION, "@SUM(1+1)*cmd|' /C calc'!A0"))
    code, out, err = run("ingest", str(path), "--store", str(base / "store"), "--json")
    assert code == 0 and json.loads(out)["files"][0]["company_name"] == INJECTION, err
    return base / "store"


def every_cell(path: Path) -> list[str]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [c for row in csv.reader(fh) for c in row]
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def dangerous(cells: list[str]) -> list[str]:
    return [c for c in cells if c.lstrip(" ").startswith(("=", "+", "-", "@")) and not c.lstrip("-").replace(
        ".", "", 1).isdigit()]


@pytest.mark.parametrize("fmt", ["csv", "neo4j-csv"])
def test_graph_csv_exports_neutralise_formula_text(store: Path, tmp_path: Path, fmt: str) -> None:
    code, out, err = run("export", "graph", "--format", fmt, "--out", str(tmp_path / fmt), "--store", str(store))
    assert code == 0, err
    cells = [c for f in sorted((tmp_path / fmt).glob("*.csv")) for c in every_cell(f)]
    assert any(c == "'" + INJECTION for c in cells)  # the company name, made inert
    assert dangerous(cells) == []


@pytest.mark.parametrize("kind", ["flagged", "appendix", "responses", "findings"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_table_exports_write_what_their_extension_says(store: Path, tmp_path: Path, kind: str, suffix: str) -> None:
    out = tmp_path / f"{kind}{suffix}"
    code, _, err = run("export", kind, "--out", str(out), "--store", str(store))
    assert code == 0, err
    head = out.read_bytes()[:4]
    assert (head == b"PK\x03\x04") == (suffix == ".xlsx")
    assert dangerous(every_cell(out)) == []


@pytest.mark.parametrize(("args", "expect"), [
    (["export", "cmrt", "--out", "{tmp}/ours.csv"], "export cmrt (a CMRT workbook) writes .xlsx"),
    (["export", "flagged", "--out", "{tmp}/chase.txt"], "export flagged writes .xlsx or .csv"),
    (["export", "appendix", "--out", "{tmp}/appendix"], "a name without an extension cannot be honoured"),
    (["export", "graph", "--format", "graphml", "--out", "{tmp}/g.csv"], "writes one .graphml file"),
    (["export", "graph", "--format", "csv", "--out", "{tmp}/g.csv"], "writes a folder of CSV files"),
])
def test_an_out_that_cannot_be_honoured_is_refused(store: Path, tmp_path: Path, args: list[str],
                                                    expect: str) -> None:
    argv = [a.format(tmp=tmp_path) for a in args]
    code, _, err = run(*argv, "--store", str(store))
    assert code == 2 and expect in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_export_cmrt_writes_an_xlsx(store: Path, tmp_path: Path) -> None:
    code, out, err = run("export", "cmrt", "--out", str(tmp_path / "ours.xlsx"), "--store", str(store), "--json")
    assert code == 0, err
    assert json.loads(out)["kind"] == "cmrt" and (tmp_path / "ours.xlsx").read_bytes()[:2] == b"PK"
