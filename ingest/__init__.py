"""Files in, typed records out: readers, template layouts, normalisation, validation,
reference-data importers and smelter resolution."""
