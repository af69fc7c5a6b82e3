"""Reference data: the dated store of smelter facts and the importers that fill it.

Public API:
- `ReferenceStore.open(directory)` → the store, with the shipped starter set loaded (which directory: the
  workspace's, graph.workspace — a Neo4j workspace keeps the DB in its server and hands out a local copy).
- `import_file(store, path, as_of=None)` → `ImportResult` (kind detected by content).
- `country_iso2(text)` → ISO-2 from CMRT/RMI country spellings.
"""

from minetrace.ingest.reference.countries import country_iso2
from minetrace.ingest.reference.importers import ImportError_, ImportResult, import_file
from minetrace.ingest.reference.store import CidChain, Facility, ReferenceStore, StatusAsOf

__all__ = [
    "CidChain", "Facility", "ImportError_", "ImportResult", "ReferenceStore", "StatusAsOf", "country_iso2",
    "import_file",
]
