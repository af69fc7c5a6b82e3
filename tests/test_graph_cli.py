"""The graph commands end to end: generate → ingest (table and --json) → store info → export → delete."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
from typer.testing import CliRunner

from minetrace.app.cli import root

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(root, list(args))
    if res.exception and not isinstance(res.exception, SystemExit):
        raise res.exception
    return res.exit_code, res.stdout, res.stderr


def test_generate_ingest_info_export_delete(tmp_path: Path) -> None:
    prog, store = tmp_path / "prog", str(tmp_path / "store")
    code, out, _ = run("generate", "--suppliers", "4", "--out", str(prog), "--seed", "3")
    assert code == 0 and (prog / "suppliers.csv").exists()
    files = sorted((prog / "cmrt").glob("*.xlsx"))
    assert files
    code, out, err = run("ingest", str(prog / "cmrt"), "--supplier-map", str(prog / "suppliers.csv"),
                         "--store", store, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["counts"]["new"] + doc["counts"]["invalid_stored"] + doc["counts"]["superseded"] == len(files)
    assert all(f["supplier_id"].startswith("S") for f in doc["files"])  # linked to the master list
    # human output: a table and a summary line; a second run is all duplicates
    code, out, _ = run("ingest", str(prog / "cmrt"), "--store", store)
    flat = " ".join(out.split())
    assert code == 0 and "already stored" in out and f"{len(files)} file(s): {len(files)} already stored" in flat
    assert "decl:" not in out and "resolver" not in out  # names and plain words, no keys or module paths
    code, out, _ = run("store", "info", "--store", store, "--json")
    info = json.loads(out)
    assert code == 0 and info["nodes"]["Declaration"] == len(files) and info["files"] == len(files)
    code, out, _ = run("store", "info", "--store", store)
    assert code == 0 and "REPORTS" in out
    code, out, _ = run("export", "graph", "--format", "graphml", "--out", str(tmp_path / "g.graphml"),
                       "--store", store)
    assert code == 0
    g = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert sum(1 for _, d in g.nodes(data=True) if d["label"] == "Declaration") == len(files)
    code, _, err = run("export", "graph", "--format", "dot", "--out", str(tmp_path / "x"), "--store", store)
    assert code == 1 and "dot" in err
    victim = doc["files"][0]["sha256"]
    code, out, _ = run("store", "delete-declaration", victim[:10], "--store", store)
    assert code == 0 and victim in out
    code, out, _ = run("store", "info", "--store", store, "--json")
    assert json.loads(out)["nodes"]["Declaration"] == len(files) - 1
    code, _, err = run("store", "delete-declaration", victim, "--store", store)
    assert code == 1 and "no such declaration" in err


def test_ingest_exit_code_and_message_for_unreadable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"\x00\x01 garbage")
    code, out, err = run("ingest", str(bad), str(tmp_path / "missing.xlsx"), "--store", str(tmp_path / "s"),
                         "--json")
    assert code == 2
    doc = json.loads(out)
    assert [f["outcome"] for f in doc["files"]] == ["unreadable", "unreadable"]
    assert "bad.xlsx:" in err and "missing.xlsx: no such file or folder" in err


def test_under_unknown_supplier_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run("ingest", str(tmp_path), "--under", "NOPE", "--store", str(tmp_path / "s"))
    assert code == 1 and "NOPE" in err
