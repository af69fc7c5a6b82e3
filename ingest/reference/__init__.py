"""Reference data: the dated store of smelter facts and the importers that fill it.

Public API:
- `store_dir(store_option)` → the directory holding ``reference.sqlite`` (``--store`` > $MINETRACE_STORE >
  ./.minetrace; a Neo4j URI store keeps its reference DB in ./.minetrace).
- `ReferenceStore.open(store_option)` → the store, with the shipped starter set loaded.
- `import_file(store, path, as_of=None)` → `ImportResult` (kind detected by content).
- `country_iso2(text)` → ISO-2 from CMRT/RMI country spellings.
"""

from minetrace.ingest.reference.countries import country_iso2
from minetrace.ingest.reference.importers import ImportError_, ImportResult, import_file
from minetrace.ingest.reference.store import CidChain, Facility, ReferenceStore, StatusAsOf, store_dir

__all__ = [
    "CidChain", "Facility", "ImportError_", "ImportResult", "ReferenceStore", "StatusAsOf", "country_iso2",
    "import_file", "store_dir",
]
