"""One way to record a review decision (ingest.reference.decisions.record_decision), used by `minetrace reference
decide` and the explorer's review queue alike: the same checks, the same file, the same review items closed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from minetrace.ingest.reference.decisions import DecisionError, Decisions, decision_metal, record_decision
from minetrace.ingest.reference.store import ReferenceStore


@pytest.fixture
def ref(tmp_path: Path):
    store = ReferenceStore(tmp_path, load_starter=False)
    with store.transaction():
        store.upsert_facility("CID000001", "Tin", "Alpha Tin Works", "MY", None, None, None, "2024-01-01", "test")
        store.upsert_facility("CID000002", "Gold", "Beta Gold Refinery", "CH", None, None, None, "2024-01-01", "test")
    yield store
    store.close()


def test_checks_before_any_store() -> None:
    assert decision_metal("tin", "CID000001", None) == "Tin"
    for metal, accept, reject in (("Tin", None, None), ("Tin", "CID000001", "CID000002"), ("Plastic", "CID1", None)):
        with pytest.raises(DecisionError):
            decision_metal(metal, accept, reject)


def test_accept_needs_a_known_cid_of_the_metal(ref: ReferenceStore) -> None:
    with pytest.raises(DecisionError, match="not in the reference store"):
        record_decision(ref, "Tin", "Alfa Tin", "MY", accept="CID009999")
    with pytest.raises(DecisionError, match="is a Gold facility, not Tin"):
        record_decision(ref, "Tin", "Alfa Tin", "MY", accept="cid000002")
    assert not ref.decisions_path.exists(), "a refused decision writes nothing"


def test_accept_and_reject_are_recorded_in_the_decisions_file(ref: ReferenceStore) -> None:
    rec = record_decision(ref, "tin", "Alfa  Tin", "Malaysia", accept="cid000001", note="checked")
    assert (rec.metal, rec.target, rec.facility.standard_name) == ("Tin", "CID000001", "Alpha Tin Works")
    assert (rec.decision.accept, rec.decision.country, rec.closed_reviews) == ("CID000001", "MY", 0)
    rej = record_decision(ref, "Tin", "Alfa Tin", "MY", reject="CID000001")
    assert rej.facility is None and rej.decision.accept is None and rej.decision.reject == {"CID000001"}
    doc = yaml.safe_load(ref.decisions_path.read_text(encoding="utf-8"))
    assert doc["decisions"] == [{"metal": "Tin", "name": "Alfa Tin", "country": "MY", "reject": ["CID000001"],
                                 "decided_on": rej.decision.decided_on, "note": "checked"}]
    assert len(Decisions(ref.decisions_path).entries) == 1
