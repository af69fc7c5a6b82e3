"""Write the graph out: GraphML (networkx, Gephi, yEd), flat CSV, and neo4j-admin import CSV.

Why: the graph is the product, and an analyst must be able to take it elsewhere — a network
tool, a spreadsheet, or a Neo4j server loaded in bulk with ``neo4j-admin database import``.
All three formats are written from the store's `export_nodes()` / `export_edges()`, so they
work the same for the embedded store and for Neo4j.

neo4j-admin CSV: one file per label (``nodes_<Label>.csv``, header ``id:ID(Label),…,:LABEL``)
and one per relationship type and end labels (``rels_<TYPE>_<Start>_<End>.csv``, header
``:START_ID(Start),:END_ID(End),…,:TYPE``); typed columns (``:long``, ``:double``,
``:boolean``, ``:string[]`` with ``;`` between items); an ``import.sh`` with the command.
neo4j-admin (`graph.neo4j_admin`): the bulk path into a minetrace Neo4j store — the same layout, but the files
hold what the Neo4j store writes, verbatim, so the loaded database opens as a store (not for spreadsheets).

The csv and neo4j-csv formats are opened in Excel as often as they are loaded elsewhere, and their cells hold
supplier text: every text cell (keys included, the same way in node and relationship files) is
neutralised against formula injection (`ingest.formula_text`: a leading `'` before =, +, -, @ …).
`--out` is checked: GraphML goes to a .graphml (or .xml) file, the CSV formats to a folder.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minetrace.graph import schema as S
from minetrace.ingest.formula_text import neutralise

if TYPE_CHECKING:  # networkx is imported by the GraphML writer only: `minetrace --help` lists FORMATS without it
    import networkx as nx

    from minetrace.graph.store import EdgeRow, GraphStore, NodeRow

FORMATS = ("graphml", "csv", "neo4j-admin", "neo4j-csv")
ARRAY_DELIMITER = ";"


def _graphml_value(value: Any) -> Any:
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def to_networkx(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]) -> nx.MultiDiGraph:
    """A MultiDiGraph with node ids "<Label>:<key>", attributes `label`, `key` and the props
    (None dropped, lists/dicts as JSON text so the graph can be written to GraphML)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for label, key, props in nodes:
        attrs = {k: _graphml_value(v) for k, v in props.items() if v is not None}
        g.add_node(f"{label}:{key}", label=label, key=key, **attrs)
    for rtype, sl, sk, el, ek, props in edges:
        attrs = {k: _graphml_value(v) for k, v in props.items() if v is not None}
        g.add_edge(f"{sl}:{sk}", f"{el}:{ek}", type=rtype, **attrs)
    return g


def write_graphml(store: GraphStore, out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    import networkx as nx

    g = to_networkx(store.export_nodes(), store.export_edges())
    nx.write_graphml(g, out, named_key_ids=True)
    return out


def _flat(value: Any) -> Any:
    """One CSV cell: text neutralised against formula injection (list items each), numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return neutralise(ARRAY_DELIMITER.join(str(neutralise(str(v))) for v in value))
    if isinstance(value, dict):
        return neutralise(json.dumps(value, ensure_ascii=False))
    return neutralise(value)


def _key_cell(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


class ExportPathError(ValueError):
    """--out cannot be used for the chosen format; the message says what can."""


def check_out(fmt: str, out: Path) -> None:
    """GraphML: a file ending .graphml or .xml; the CSV formats: a folder (not an existing file, no .csv name)."""
    out = Path(out)
    if fmt == "graphml":
        if out.suffix.lower() not in (".graphml", ".xml"):
            raise ExportPathError(f"{out}: --format graphml writes one .graphml file; give --out NAME.graphml "
                                  "(or --format csv / neo4j-admin / neo4j-csv for a folder of CSV files)")
        if out.is_dir():
            raise ExportPathError(f"{out}: is a folder; --format graphml writes one .graphml file")
        return
    if out.exists() and not out.is_dir():
        raise ExportPathError(f"{out}: is a file; --format {fmt} writes a folder of CSV files")
    if out.suffix.lower() in (".csv", ".graphml", ".xml", ".xlsx", ".zip"):
        raise ExportPathError(f"{out}: --format {fmt} writes a folder of CSV files (nodes and relationships); "
                              "give a folder name without an extension")


def _columns(rows: Iterable[dict[str, Any]]) -> list[str]:
    cols: dict[str, None] = {}
    for props in rows:
        for k in props:
            cols.setdefault(k, None)
    return list(cols)


def write_csv(store: GraphStore, out_dir: Path) -> list[Path]:
    """nodes.csv (label, key, props…) and edges.csv (type, start/end label and key, props…)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    node_cols = _columns(p for _, _, p in store.export_nodes())
    nodes_path = out_dir / "nodes.csv"
    with nodes_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["label", "key", *node_cols])
        for label, key, props in store.export_nodes():
            w.writerow([label, _key_cell(key), *(_flat(props.get(c)) for c in node_cols)])
    edge_cols = _columns(e[5] for e in store.export_edges())
    edges_path = out_dir / "edges.csv"
    with edges_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["type", "start_label", "start_key", "end_label", "end_key", *edge_cols])
        for rtype, sl, sk, el, ek, props in store.export_edges():
            w.writerow([rtype, sl, _key_cell(sk), el, _key_cell(ek), *(_flat(props.get(c)) for c in edge_cols)])
    return [nodes_path, edges_path]


def neo4j_column_type(values: Iterable[Any]) -> str:
    """neo4j-admin column type for a column's values (None ignored): one kind → that kind, longs mixed with
    doubles → double, anything else mixed → string. Shared by these CSVs and `graph.neo4j_admin`'s import files."""
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("long")
        elif isinstance(v, float):
            kinds.add("double")
        elif isinstance(v, list | tuple):
            kinds.add("string[]")
        else:
            kinds.add("string")
    if len(kinds) == 1:
        return kinds.pop()
    if kinds and kinds <= {"long", "double"}:
        return "double"
    return "string"


def _typed_header(name: str, kind: str) -> str:
    return name if kind == "string" else f"{name}:{kind}"


def write_neo4j_csv(store: GraphStore, out_dir: Path) -> list[Path]:
    """neo4j-admin import files plus import.sh; returns the files written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # pass 1: columns and types per label / relationship group
    node_types: dict[str, dict[str, list[Any]]] = {}
    for label, _key, props in store.export_nodes():
        cols = node_types.setdefault(label, {})
        for k, v in props.items():
            if k != S.NODE_KEYS[label]:
                cols.setdefault(k, []).append(v)
    rel_types: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
    for rtype, sl, _sk, el, _ek, props in store.export_edges():
        cols = rel_types.setdefault((rtype, sl, el), {})
        for k, v in props.items():
            cols.setdefault(k, []).append(v)
    node_header = {label: [(k, neo4j_column_type(vs)) for k, vs in cols.items()] for label, cols in node_types.items()}
    rel_header = {grp: [(k, neo4j_column_type(vs)) for k, vs in cols.items()] for grp, cols in rel_types.items()}
    del node_types, rel_types
    written: list[Path] = []
    handles: dict[Any, tuple[Any, Any]] = {}
    try:
        for label, key, props in store.export_nodes():
            if label not in handles:
                path = out_dir / f"nodes_{label}.csv"
                fh = path.open("w", newline="", encoding="utf-8")
                w = csv.writer(fh)
                w.writerow([f"{S.NODE_KEYS[label]}:ID({label})",
                            *(_typed_header(k, t) for k, t in node_header[label]), ":LABEL"])
                handles[label] = (fh, w)
                written.append(path)
            handles[label][1].writerow([_key_cell(key), *(_flat(props.get(k)) for k, _ in node_header[label]), label])
        for rtype, sl, sk, el, ek, props in store.export_edges():
            grp = (rtype, sl, el)
            if grp not in handles:
                path = out_dir / f"rels_{rtype}_{sl}_{el}.csv"
                fh = path.open("w", newline="", encoding="utf-8")
                w = csv.writer(fh)
                w.writerow([f":START_ID({sl})", f":END_ID({el})",
                            *(_typed_header(k, t) for k, t in rel_header[grp]), ":TYPE"])
                handles[grp] = (fh, w)
                written.append(path)
            handles[grp][1].writerow([_key_cell(sk), _key_cell(ek), *(_flat(props.get(k)) for k, _ in rel_header[grp]),
                                      rtype])
    finally:
        for fh, _ in handles.values():
            fh.close()
    script = out_dir / "import.sh"
    args = [f"--nodes={p.name}" for p in written if p.name.startswith("nodes_")]
    args += [f"--relationships={p.name}" for p in written if p.name.startswith("rels_")]
    script.write_text("#!/bin/sh\n# Load into an empty, stopped Neo4j 5 database (run in this folder).\n"
                      "set -e\ncd \"$(dirname \"$0\")\"\n"
                      "neo4j-admin database import full --overwrite-destination=true "
                      f"--array-delimiter='{ARRAY_DELIMITER}' --multiline-fields=true \\\n  "
                      + " \\\n  ".join(args) + " \\\n  ${1:-neo4j}\n", encoding="utf-8")
    script.chmod(0o755)
    return [*written, script]


def export_graph(store: GraphStore, fmt: str, out: Path) -> list[Path]:
    """Write the graph in `fmt` (graphml → one file; csv, neo4j-admin, neo4j-csv → a folder); ExportPathError
    when `out` does not fit the format."""
    if fmt in FORMATS:
        check_out(fmt, out)
    if fmt == "graphml":
        return [write_graphml(store, out)]
    if fmt == "csv":
        return write_csv(store, out)
    if fmt == "neo4j-csv":
        return write_neo4j_csv(store, out)
    if fmt == "neo4j-admin":
        from minetrace.graph.neo4j_admin import write_neo4j_admin

        return write_neo4j_admin(store, out)
    raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")


def canonical_dump(store: GraphStore, volatile: Iterable[str] = ("received",)) -> Iterator[str]:
    """Sorted lines describing every node and edge (volatile props removed): two stores holding
    the same graph give the same dump. Used by the idempotency and cross-store tests."""
    skip = set(volatile)

    def clean(props: dict[str, Any]) -> str:
        return json.dumps({k: v for k, v in sorted(props.items()) if k not in skip}, sort_keys=True,
                          ensure_ascii=False, default=str)

    lines = [f"N {label} {key} {clean(props)}" for label, key, props in store.export_nodes()]
    lines += [f"E {t} {sl}:{sk} {el}:{ek} {clean(p)}" for t, sl, sk, el, ek, p in store.export_edges()]
    yield from sorted(lines)
