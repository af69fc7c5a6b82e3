"""The structure the code's own imports draw: one way into the stores, no string dispatch.

Why: `queries/` is typed on the store protocols (graph.store.GraphStore, ReferenceStore) and the explorer imports the
queries it shows by name, so the import graph and the type checker (tests/test_typecheck.py) see every dependency.
These checks read the source (AST), so a regression names the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORE_NAMES = {"store", "facts", "ref", "reference"}


def _modules(*folders: str) -> list[Path]:
    return sorted(p for f in folders for p in (ROOT / f).rglob("*.py"))


def _annotation(node: ast.arg) -> str:
    return ast.unparse(node.annotation) if node.annotation is not None else ""


def test_no_store_is_typed_any_in_queries() -> None:
    bad = []
    for path in _modules("queries"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for a in node.args.args + node.args.kwonlyargs:
                    if a.arg in STORE_NAMES and (a.annotation is None or "Any" in _annotation(a)):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}({a.arg}: {_annotation(a)})")
    assert not bad, "stores typed Any (use graph.store.GraphStore / ReferenceStore):\n" + "\n".join(bad)


def test_no_capability_probes_on_stores() -> None:
    """No getattr/hasattr on a store or reference facts: what a store can do is the protocol."""
    bad = []
    for path in _modules("queries", "app", "graph"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr") and node.args):
                target = ast.unparse(node.args[0])
                if target.split(".")[-1] in STORE_NAMES | {"model.facts", "facts"}:
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not bad, "capability probes:\n" + "\n".join(bad)


def test_no_string_dispatch_into_queries() -> None:
    """The explorer and the CLI import queries by name (no importlib, no query("module", "name"))."""
    bad = []
    for path in _modules("app"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = ast.unparse(node.func)
                if fn in ("importlib.import_module", "__import__", "query") and node.args and isinstance(
                        node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {ast.unparse(node)}")
    assert not bad, "string dispatch:\n" + "\n".join(bad)


def test_severities_only_from_the_findings_catalogue() -> None:
    """Emitters name a code (make_finding); the catalogue (ingest/findings.py) alone gives its severity, and every
    code emitted is catalogued."""
    from minetrace.ingest.findings import CATALOGUE

    catalogued = {t.code for t in CATALOGUE}
    literal, unknown = [], []
    for path in _modules("ingest", "graph", "queries", "app"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or not node.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            if node.func.id == "Finding" and len(node.args) > 1 and isinstance(node.args[1], ast.Constant):
                literal.append(f"{where} {ast.unparse(node)[:80]}")
            if (node.func.id == "make_finding" and isinstance(node.args[0], ast.Constant)
                    and node.args[0].value not in catalogued):
                unknown.append(f"{where} {node.args[0].value}")
    assert not literal, "literal severities (use make_finding):\n" + "\n".join(literal)
    assert not unknown, "codes not in the catalogue:\n" + "\n".join(unknown)
