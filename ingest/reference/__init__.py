"""Reference data: the dated store of smelter facts and the importers that fill it.

Public API:
- `ReferenceStore.open(directory)` → the store, with the shipped starter set loaded (which directory: the
  workspace's, graph.workspace — a Neo4j workspace keeps the DB in its server and hands out a local copy).
- `import_file(store, path, as_of=None)` → `ImportResult` (kind detected by content).
- `country_iso2(text)` → ISO-2 from CMRT/RMI country spellings.

The names are loaded on first use (PEP 562): reading a workbook needs `ingest.reference.old_ids`, and
importing a submodule runs this file, which must not drag in SQLite and every importer with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minetrace.ingest.reference.countries import country_iso2
    from minetrace.ingest.reference.importers import ImportError_, ImportResult, import_file
    from minetrace.ingest.reference.store import CidChain, Facility, ReferenceStore, StatusAsOf

#: public name → the submodule that defines it
_HOME: dict[str, str] = {
    "country_iso2": "countries",
    "ImportError_": "importers", "ImportResult": "importers", "import_file": "importers",
    "CidChain": "store", "Facility": "store", "ReferenceStore": "store", "StatusAsOf": "store",
}

__all__ = [
    "CidChain", "Facility", "ImportError_", "ImportResult", "ReferenceStore", "StatusAsOf", "country_iso2",
    "import_file",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest.reference' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"minetrace.ingest.reference.{home}"), name)
    globals()[name] = value
    return value
