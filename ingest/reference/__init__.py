"""Reference data: the dated store of smelter facts and the importers that fill it.

Public API:
- `store_dir(store_option)` → the directory holding ``reference.sqlite`` (``--store`` > $MINETRACE_STORE >
  ./.minetrace; a Neo4j URI store keeps its reference DB in ./.minetrace).
- `ReferenceStore.open(store_option)` → the store, with the shipped starter set loaded.
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
    from minetrace.ingest.reference.store import CidChain, Facility, ReferenceStore, StatusAsOf, store_dir

#: public name → the submodule that defines it
_HOME: dict[str, str] = {
    "country_iso2": "countries",
    "ImportError_": "importers", "ImportResult": "importers", "import_file": "importers",
    "CidChain": "store", "Facility": "store", "ReferenceStore": "store", "StatusAsOf": "store", "store_dir": "store",
}

__all__ = [
    "CidChain", "Facility", "ImportError_", "ImportResult", "ReferenceStore", "StatusAsOf", "country_iso2",
    "import_file", "store_dir",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'ingest.reference' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"minetrace.ingest.reference.{home}"), name)
    globals()[name] = value
    return value
