"""The resolution goals on old-style rows, measured the way bench/resolution_accuracy.py measures them.

A store holding ONLY RMI's exports and the current 6.5 template (what a new user imports first) resolves:
* the real 2.x files' rows, hand-labelled (tests/data/old_style_rows_labels.csv, confident labels):
  precision >= 99.5 %, recall >= 98 %;
* every look-up combination of the 2.x templates (alias, standard name, country, old ID), labelled by RMI's
  own 3.01 crosswalk: precision >= 99.5 %, recall >= 98 % over the rows whose names share a word with the
  expected facility's names (the others only the crosswalk connects, and it is not imported);
* the same names typed into "Smelter not listed" rows with noise: precision >= 99.5 %, recall >= 97 %.
Reads ../shared (skips outside CI when it is missing, fails under CI=true).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("resolution_accuracy", ROOT / "bench" / "resolution_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("resolution_accuracy", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    for part in ("reference/rmi-export-2026-08-22", "cmrt/templates/RMI_CMRT_6.5_en.xlsx",
                 "cmrt/templates/CMRT_3.01_blank_encrypted.xls", "cmrt/filled/CMRT_2.02_ConnorWinfield_2013.xls"):
        shared_path(*part.split("/"))
    bench = _bench()
    resolver, sets = bench.old_style_sets(tmp_path_factory.mktemp("old-style"), seed=7)
    scores = {title[:2]: bench.evaluate(resolver, rows, title) for title, rows in sets.items()}
    yield resolver, scores
    resolver.store.close()


def _show(sc) -> str:
    return "\n".join(sc.wrong[:10] + sc.misses[:10])


def test_store_holds_only_the_current_reference(measured):
    resolver, _ = measured
    kinds = {i["importer"] for i in resolver.store.imports()}
    assert "template-301" not in kinds and {"rmi-reference", "template-lookup"} <= kinds


def test_hand_labelled_real_rows_meet_the_goal(measured):
    sc = measured[1]["C1"]
    assert sc.positives >= 30, "the labels no longer match the shared files"
    assert sc.precision >= 0.995 and sc.recall >= 0.98, _show(sc)


def test_template_rows_meet_the_goal(measured):
    sc = measured[1]["C2"]
    assert sc.positives >= 350
    assert sc.precision >= 0.995 and sc.recall_named >= 0.98, _show(sc)


def test_noisy_typed_rows_stay_precise(measured):
    sc = measured[1]["C3"]
    assert sc.precision >= 0.995 and sc.recall_named >= 0.97, _show(sc)
