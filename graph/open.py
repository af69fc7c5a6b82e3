"""Open the store a user named: a folder → the embedded store, a ``neo4j://`` / ``bolt://`` URI → Neo4j.

Why its own module: both stores implement `graph.store.GraphStore` and import that protocol module; were the
factory that imports both stores in the protocol module too, the protocol would import its implementations (a
cycle). Here it sits above both: the stores never import each other or this module.
"""

from __future__ import annotations

import os
from pathlib import Path

from minetrace.graph.store import GraphStore, is_neo4j_uri, resolve_store_target


def open_store(uri_or_dir: str | os.PathLike[str] | None = None) -> GraphStore:
    """Open (creating when needed) the store named by a folder path or a Neo4j URI (`--store`, else
    $MINETRACE_STORE, else ./.minetrace).

    Neo4j credentials come from NEO4J_USER (or NEO4J_USERNAME) and NEO4J_PASSWORD, the database
    from NEO4J_DATABASE; see graph/neo4j_store.py.
    """
    target = resolve_store_target(uri_or_dir)
    if is_neo4j_uri(target):
        from minetrace.graph.neo4j_store import Neo4jStore  # lazy: the embedded path needs no driver/server

        return Neo4jStore(target)
    from minetrace.graph.embedded import EmbeddedStore

    return EmbeddedStore(Path(target))
