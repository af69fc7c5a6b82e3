"""Every per-metal question of every layout says what it asks (its role), so rules read questions by
meaning, not by number: CMRT 2.x Q2 is a sourcing question, 6.x Q2 a scope question."""

from __future__ import annotations

from minetrace.ingest.layouts import ALL_LAYOUTS, layout_for
from minetrace.ingest.layouts.model import QUESTION_ROLES


def test_every_question_has_a_known_role_once_per_layout():
    for layout in ALL_LAYOUTS:
        roles = [q.role for q in layout.questions]
        assert all(r in QUESTION_ROLES for r in roles), (layout.id, roles)
        assert len(set(roles)) == len(roles), (layout.id, roles)
        assert roles[0] == "uses", layout.id


def _role(kind: str, version: str, qid: str) -> str:
    layout = layout_for(kind, version)
    assert layout is not None
    return next(q.role for q in layout.questions if q.qid == qid)


def test_sourcing_questions_by_generation():
    # the texts in the template cells decide: 1.00/2.x Q2 "originate from the DRC or an adjoining country",
    # 3.01 and 4.x/5.x Q3 "originate from the covered countries", 6.x Q3 covered countries and Q4 CAHRAs
    assert _role("CMRT", "1.00", "Q2") == "covered_sourcing"
    assert _role("CMRT", "2.03a", "Q2") == "covered_sourcing"
    assert _role("CMRT", "3.01", "Q3") == "covered_sourcing"
    assert _role("CMRT", "6.5", "Q2") == "remains"
    assert _role("CMRT", "6.5", "Q3") == "covered_sourcing"
    assert _role("CMRT", "6.5", "Q4") == "cahra_sourcing"
    for layout in ALL_LAYOUTS:
        for q in layout.questions:
            text = q.text.casefold()
            if "adjoining country" in text or "covered countries" in text:
                assert q.role == "covered_sourcing", (layout.id, q.qid)
            if "conflict-affected" in text:
                assert q.role == "cahra_sourcing", (layout.id, q.qid)
            if "recycled or scrap" in text or "recycler or scrap" in text:
                assert q.role == "recycled", (layout.id, q.qid)
