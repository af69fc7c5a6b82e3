"""Per-supplier folds of smelter keys, shared by both stores so that their aggregates agree exactly.

Why here and not in SQL or Cypher: each store reads one row per declaration (or per supplier) holding its
smelter keys — few rows cross the store boundary and the store does no grouping by caller-chosen classes —
and this fold does the rest. Measured: on SQLite cheaper than a class-table join with count(DISTINCT)
(bench/query_speed.py); on Neo4j a per-supplier collect() of keys costs the server ~5x less than grouping by
(supplier, smelter, class) with a map lookup per row (bench/neo4j_reads.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping


def keys_by_supplier(rows: Iterable[tuple[str, list[str]]]) -> dict[str, list[str]]:
    """supplier id → every smelter key its rows report (one entry per smelter-list row), from (supplier id,
    keys) rows — several rows may name one supplier (one per declaration)."""
    out: dict[str, list[str]] = {}
    for sid, keys in rows:
        have = out.get(sid)
        if have is None:
            out[sid] = list(keys)
        else:
            have.extend(keys)
    return out


def class_counts(by_supplier: Mapping[str, list[str]], classes: Mapping[str, str],
                 listed: Collection[str] = ()) -> list[tuple[str, str, int, int, list[str]]]:
    """`GraphStore.supplier_class_counts` from `keys_by_supplier`: (supplier id, class, distinct smelters, rows,
    sorted smelter keys of the `listed` classes else []) sorted by supplier and class; a smelter `classes` does
    not name is in class ""."""
    wanted = set(listed)
    members: dict[str, set[str]] = {c: set() for c in wanted}  # listed class → its smelter keys
    for k, c in classes.items():
        if c in members:
            members[c].add(k)
    label = classes.get
    out: list[tuple[str, str, int, int, list[str]]] = []
    for sid in sorted(by_supplier):
        keys = by_supplier[sid]
        distinct = set(keys)
        smelters = Counter(label(k) or "" for k in distinct)
        n_rows = smelters if len(distinct) == len(keys) else Counter(label(k) or "" for k in keys)
        for cls in sorted(smelters):
            if cls not in members:
                out.append((sid, cls, smelters[cls], n_rows[cls], []))
            elif cls:
                out.append((sid, cls, smelters[cls], n_rows[cls], sorted(distinct & members[cls])))
            else:  # the listed class "" also holds the smelters `classes` does not name
                out.append((sid, cls, smelters[cls], n_rows[cls], sorted(k for k in distinct if not label(k))))
    return out


def pair_counts(by_supplier: Mapping[str, list[str]]) -> list[tuple[str, str, int]]:
    """`GraphStore.supplier_smelter_counts`: (supplier id, smelter key, rows) per pair, sorted."""
    return [(sid, k, n) for sid in sorted(by_supplier) for k, n in sorted(Counter(by_supplier[sid]).items())]


def smelter_counts(by_supplier: Mapping[str, list[str]]) -> list[tuple[str, int, int]]:
    """`GraphStore.smelter_supplier_counts`: (smelter key, distinct suppliers, rows) per smelter, sorted by key."""
    suppliers: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    for keys in by_supplier.values():
        rows.update(keys)
        suppliers.update(set(keys))
    return [(k, suppliers[k], rows[k]) for k in sorted(rows)]
