"""Report appendix spelling: every facility location of the 2016 report's Appendix A round-trips
through ISO codes to the same text (read from ../shared, never copied)."""

from __future__ import annotations

import csv

from conftest import shared_path

from graph.countries import to_iso2
from queries.report import country_label


def test_appendix_locations_round_trip_to_the_2016_spelling():
    path = shared_path("reference", "report-2016", "appendix_a_2016.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        locations = {r["facility_location"] for r in csv.DictReader(fh)}
    assert len(locations) > 40
    wrong = {(loc, to_iso2(loc), country_label(to_iso2(loc))) for loc in locations
             if country_label(to_iso2(loc)) != loc}
    assert wrong == set()


def test_country_label_fallbacks():
    assert country_label("US") == "UNITED STATES" and country_label("cd") == "CONGO, DEMOCRATIC REPUBLIC OF THE"
    assert country_label("JP") == "JAPAN" and country_label(None) is None and country_label("XX") == "XX"
