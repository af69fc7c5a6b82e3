"""The bulk path into Neo4j: files `neo4j-admin database import full` loads as a minetrace Neo4j store.

Why it exists: storing many years of forms through Bolt is one transaction per file (the right thing for a
campaign's daily trickle, thousands of rows a second); a first load of a long history goes faster through
Neo4j's offline importer, which writes the store files directly. The files are written from any store's
`export_nodes()` / `export_edges()` (ingest into the embedded store with both cores, then export), and they hold
what `graph.neo4j_store.Neo4jStore` itself writes, so the loaded database opens as a minetrace store and later
ingests, deletes and relinks work on it as on one filled through Bolt:

- every property verbatim (no spreadsheet neutralising: these files are for the importer, not for Excel — use
  `--format csv` for a spreadsheet), strings quoted so an empty text stays empty, typed columns;
- Declaration nodes get the store's `seq` (their order inside each supplier's year, as exported) and `parent_id`
  (from the sub-supplier link the declaration made), and the store's meta node counts past the last `seq`, so a
  form ingested afterwards is newer than every loaded one;
- Country nodes get `explicit` (kept when no edge points at them): true for a country with reference facts
  (covered, CAHRA) or with no edge, as only such countries survive in a store.

Not carried (they are not part of the graph export): survey events and campaign records — a first load has
none; import them with `minetrace survey` / `campaign` commands after the load if you had any.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minetrace.graph import schema as S
from minetrace.graph.export import neo4j_column_type

if TYPE_CHECKING:
    from minetrace.graph.store import GraphStore

#: between the items of a list property (aliases, metals): a control character no form text keeps
ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_ARG = "U+001F"
#: the database the import script loads when given none
DEFAULT_DATABASE = "neo4j"


class BulkExportError(ValueError):
    """A value cannot be written so that the importer reads it back unchanged; the message names it."""


def _text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _cell(value: Any, kind: str, where: str) -> str:
    """One CSV field as the importer reads it back: None → empty (no property), text quoted."""
    if value is None:
        return ""
    if kind == "string[]":
        items = [str(v) for v in value]
        bad = next((v for v in items if ARRAY_DELIMITER in v), None)
        if bad is not None:
            raise BulkExportError(f"{where}: a list item holds the array delimiter U+001F: {bad!r}")
        return _text(ARRAY_DELIMITER.join(items))
    if kind == "boolean":
        return "true" if value else "false"
    if kind in ("long", "double"):
        return repr(float(value)) if kind == "double" else str(int(value))
    return _text(value if isinstance(value, str) else str(value))


def _header(name: str, kind: str) -> str:
    return name if kind == "string" else f"{name}:{kind}"


class _Files:
    """One CSV file per node label / relationship group, opened on first use."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.handles: dict[Any, Any] = {}
        self.paths: list[Path] = []

    def write(self, group: Any, name: str, header: list[str], fields: list[str]) -> None:
        fh = self.handles.get(group)
        if fh is None:
            path = self.out_dir / name
            fh = self.handles[group] = path.open("w", encoding="utf-8", newline="")
            fh.write(",".join(header) + "\n")
            self.paths.append(path)
        fh.write(",".join(fields) + "\n")

    def close(self) -> None:
        for fh in self.handles.values():
            fh.close()


def write_neo4j_admin(store: GraphStore, out_dir: Path) -> list[Path]:
    """Write the import files and `import.sh` (the command) into `out_dir`; returns the files written."""
    from minetrace.graph.neo4j_store import META_ID, META_LABEL, L, T

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # pass 1 over the edges: the declaration's parent (its sub-supplier link) and the countries with an edge
    parent_of: dict[str, str] = {}
    reached: set[str] = set()
    rel_cols: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
    for rtype, sl, sk, el, ek, props in store.export_edges():
        if rtype == S.SOURCES_FROM and sl == S.SUPPLIER and props.get("sha256"):
            parent_of[str(props["sha256"])] = str(sk)
        if el == S.COUNTRY:
            reached.add(str(ek))
        cols = rel_cols.setdefault((rtype, sl, el), {})
        for k, v in props.items():
            cols.setdefault(k, []).append(v)
    seq = 0

    def node_props(label: str, key: str, props: dict[str, Any]) -> dict[str, Any]:
        nonlocal seq
        if label == S.DECLARATION:
            seq += 1
            return {**props, "seq": seq, "parent_id": parent_of.get(key)}
        if label == S.COUNTRY:
            explicit = props.get("covered") is not None or props.get("cahra") is not None or key not in reached
            return {**props, "explicit": explicit}
        return props

    node_cols: dict[str, dict[str, list[Any]]] = {}
    for label, key, props in store.export_nodes():
        cols = node_cols.setdefault(label, {})
        for k, v in node_props(label, str(key), props).items():
            if k != S.NODE_KEYS[label]:
                cols.setdefault(k, []).append(v)
    writes = seq
    node_kinds = {label: [(k, neo4j_column_type(vs)) for k, vs in cols.items()] for label, cols in node_cols.items()}
    rel_kinds = {grp: [(k, neo4j_column_type(vs)) for k, vs in cols.items()] for grp, cols in rel_cols.items()}
    del node_cols, rel_cols
    files = _Files(out_dir)
    seq = 0
    try:
        for label, key, props in store.export_nodes():
            kinds = node_kinds[label]
            full = node_props(label, str(key), props)
            where = f"{label} {key}"
            files.write(label, f"nodes_{label}.csv",
                        [f"{S.NODE_KEYS[label]}:ID({label})", *(_header(k, t) for k, t in kinds), ":LABEL"],
                        [_cell(key, "string", where), *(_cell(full.get(k), t, f"{where} {k}") for k, t in kinds),
                         L[label]])
        files.write(META_LABEL, f"nodes_{META_LABEL}.csv", ["id:ID(Meta)", "writes:long", "epoch", ":LABEL"],
                    [_text(META_ID), str(writes), _text(uuid.uuid4().hex[:12]), L[META_LABEL]])
        for rtype, sl, sk, el, ek, props in store.export_edges():
            grp = (rtype, sl, el)
            kinds = rel_kinds[grp]
            where = f"{rtype} {sk} → {ek}"
            files.write(grp, f"rels_{rtype}_{sl}_{el}.csv",
                        [f":START_ID({sl})", f":END_ID({el})", *(_header(k, t) for k, t in kinds), ":TYPE"],
                        [_cell(sk, "string", where), _cell(ek, "string", where),
                         *(_cell(props.get(k), t, f"{where} {k}") for k, t in kinds), T[rtype]])
    finally:
        files.close()
    script = out_dir / "import.sh"
    args = [f"--nodes={p.name}" for p in files.paths if p.name.startswith("nodes_")]
    args += [f"--relationships={p.name}" for p in files.paths if p.name.startswith("rels_")]
    script.write_text(
        "#!/bin/sh\n"
        "# Load these files into an EMPTY, STOPPED Neo4j 5 database (default: neo4j), then start Neo4j and use it\n"
        "# as the store: minetrace --store bolt://HOST:7687 … (constraints and indexes are made on first open).\n"
        "set -e\ncd \"$(dirname \"$0\")\"\n"
        # the database first: --nodes/--relationships take every following word as a file
        f"neo4j-admin database import full \"${{1:-{DEFAULT_DATABASE}}}\" --overwrite-destination=true "
        f"--array-delimiter={ARRAY_DELIMITER_ARG} --multiline-fields=true --id-type=string \\\n  "
        + " \\\n  ".join(args) + "\n",
        encoding="utf-8")
    script.chmod(0o755)
    return [*files.paths, script]
