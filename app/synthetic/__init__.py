"""Synthetic programs: the demo set, CMRT workbooks written with planted defects, and graph-level
programs for scale benchmarks — generators in one room (tests, benchmarks and `minetrace demo`
use them; the reader never does)."""
