"""The reason-code catalogue: every code a risk rule may put on a smelter or a supplier, as data.

Why a catalogue (like `ingest.findings` for validation): a code's meaning and the level it puts a
smelter at are compliance decisions, made once here and shown the same way by the CLI, the JSON,
the exports and the explorer. A rule in `queries.risk` emits codes; it never decides a level. The
level of a smelter is the highest level its reasons carry, read from the policy's `risk.levels`
(the presets change the geography codes) with the catalogue's `level` as the default. Codes are
stable: they may be added, never renamed.

Kinds:
* reason  — sets a level (high / medium / low) through the policy.
* finding — data quality: the smelter gets no level (`level: null`) unless an adverse reason makes
  it high; `no_status_data` never lets a smelter be rated at all.
* note    — shown with the rating, changes nothing (a conformant smelter in a Covered Country …).
* supplier — raised on a supplier's form, not on a smelter (a Yes to a sourcing question).

Example:
    >>> REASONS["cahra_location"].level, REASONS["no_status_data"].kind
    ('medium', 'finding')
"""

from __future__ import annotations

from dataclasses import dataclass

LEVEL_RANK = {"high": 3, "medium": 2, "low": 1, None: 0}


@dataclass(frozen=True)
class ReasonType:
    code: str
    title: str
    kind: str  # reason | finding | note | supplier
    dimension: str  # adverse | assurance | geography | validity
    level: str | None  # default level a `reason` puts a smelter at (policy risk.levels overrides)
    description: str
    #: the flag a path carries for it (queries.paths); "" = no flag
    flag: str = ""


CATALOGUE: tuple[ReasonType, ...] = (
    # --- adverse evidence -------------------------------------------------------------------------
    ReasonType("watchlist", "On a watchlist", "reason", "adverse", "high",
               "The CID (or a CID it was merged into) is on the reference watchlist with public adverse evidence "
               "(dated: an entry applies from its own as_of) or named in the policy's watchlist.extra_cids.",
               flag="watchlist"),
    ReasonType("removed_high", "Removed for cause", "reason", "adverse", "high",
               "RMI removed the facility for a reason the policy lists in high_removal_reasons (not legitimate, "
               "failed due diligence, sanctions)."),
    ReasonType("sanctioned", "Sanctioned jurisdiction", "reason", "adverse", "high",
               "Located in a jurisdiction the policy lists in sanctioned_jurisdictions (for the metal, from the "
               "given date)."),
    # --- assurance (RMAP status at the as-of date) --------------------------------------------------
    ReasonType("high_state", "RMAP state high on its own", "reason", "assurance", "high",
               "The status at the as-of date is one the policy lists in high_states (Non Conformant, RMI Due "
               "Diligence Review - Unable to Proceed).", flag="non_conformant"),
    ReasonType("not_conformant", "Not conformant", "reason", "assurance", "medium",
               "Not on RMI's Conformant list at the as-of date (Active, not listed, unknown), and no later "
               "Conformant listing whose last audit is on or before that date."),
    ReasonType("lapsed", "Conformance lapsed", "reason", "assurance", "medium",
               "Listed as Conformant, but last audit + audit cycle passed before the as-of date with no re-audit "
               "in progress; the status is shown as Lapsed."),
    ReasonType("conformant", "Conformant", "reason", "assurance", "low",
               "RMAP Conformant (cross-recognised LBMA/RJC included) and current at the as-of date."),
    # --- geography (only for smelters that are not conformant) --------------------------------------
    ReasonType("covered_location", "Located in a Covered Country", "reason", "geography", "high",
               "Located in the DRC or an adjoining country (Dodd-Frank §1502) and not conformant.",
               flag="covered_location"),
    ReasonType("covered_sourcing", "Declared sourcing from a Covered Country", "reason", "geography", "high",
               "A supplier's specific mine-country declaration (not an unspecific list, not the smelter's own "
               "country) names a Covered Country for this smelter, which is not conformant.",
               flag="covered_sourcing"),
    ReasonType("cahra_location", "Located in a CAHRA", "reason", "geography", "medium",
               "Located in a conflict-affected or high-risk area of the dated CAHRA list — a whole-country "
               "entry, or a sub-national area matching the smelter's state/province — and not conformant. "
               "Medium under us-sec-1502, high under eu-2017-821.", flag="cahra_location"),
    ReasonType("cahra_sourcing", "Declared sourcing from a CAHRA", "reason", "geography", "medium",
               "A specific mine-country declaration names a whole-country CAHRA entry for this non-conformant "
               "smelter. Medium under us-sec-1502, high under eu-2017-821.", flag="cahra_sourcing"),
    # --- notes -------------------------------------------------------------------------------------
    ReasonType("located_covered_conformant", "Conformant in a Covered Country", "note", "geography", None,
               "Located in a Covered Country and conformant: not high (conformant Rwandan and Congolese smelters "
               "exist)."),
    ReasonType("located_cahra_conformant", "Conformant in a CAHRA", "note", "geography", None,
               "Located in a CAHRA and conformant: not raised."),
    ReasonType("cahra_area_unmatched", "CAHRA areas in the country, not at the smelter", "note", "geography", None,
               "The smelter's country has sub-national CAHRA areas only, and its state/province is unknown or not "
               "one of them: not a CAHRA location."),
    ReasonType("unspecific_sourcing", "Unspecific mine-country declaration", "note", "geography", None,
               "A declaration row names more countries than risk.declared_sourcing.max_countries (an RCOI list "
               "pasted from RMI): it flags nothing on its own."),
    ReasonType("conformance_lapses", "Conformance lapses before the filing date", "note", "assurance", None,
               "Conformant at the as-of date, but last audit + cycle falls before the filing date."),
    ReasonType("reaudit_in_progress", "Audit cycle passed, re-audit in progress", "note", "assurance", None,
               "The audit cycle passed before the as-of date but RMI shows a re-audit in progress: still conformant."),
    # --- data-quality findings (no level) -----------------------------------------------------------
    ReasonType("no_status_data", "No RMAP status data imported", "finding", "validity", None,
               "The reference store holds no RMAP status list (and no filed status covers the year): statuses are "
               "unknown, so the smelter is not rated. Import RMI's Conformant and Active lists."),
    ReasonType("unresolved", "Not matched to an RMI smelter", "finding", "validity", None,
               "The Smelter List row could not be resolved to a CID."),
    ReasonType("not_yet_identified", "Smelter not yet identified", "finding", "validity", None,
               "The supplier wrote 'Smelter not yet identified': a coverage gap."),
    ReasonType("needs_review", "Match awaiting review", "finding", "validity", None,
               "Possible matches are in the review queue."),
    ReasonType("not_a_smelter", "Not a smelter", "finding", "validity", None,
               "RMI removed the entry as not meeting its definition of a smelter (as of the as-of date)."),
    ReasonType("not_operating", "No longer operating", "finding", "validity", None,
               "RMI removed the facility as no longer operating (as of the as-of date)."),
    ReasonType("unknown_cid", "Unknown CID", "finding", "validity", None,
               "The CID is not in the reference data."),
    ReasonType("cid_split", "CID split", "finding", "validity", None,
               "RMI split the CID into several facilities: ask the supplier which one."),
    # --- supplier-level ------------------------------------------------------------------------------
    ReasonType("covered_sourcing_answer", "Declares sourcing from the Covered Countries", "supplier", "geography",
               None, "The form answers Yes to a per-metal question whose role is covered_sourcing (CMRT 1.00/2.x Q2, "
               "3.x-6.x Q3): a supplier-level finding and a covered_sourcing flag on the supplier.",
               flag="covered_sourcing"),
    ReasonType("cahra_sourcing_answer", "Declares sourcing from CAHRAs", "supplier", "geography", None,
               "The form answers Yes to a per-metal question whose role is cahra_sourcing (CMRT 6.x Q4); raised "
               "when the policy's answer_flags lists cahra_sourcing (eu-2017-821).", flag="cahra_sourcing"),
)

REASONS: dict[str, ReasonType] = {r.code: r for r in CATALOGUE}


def reason_level(code: str, levels: dict[str, str] | None = None) -> str | None:
    """The level reason `code` puts a smelter at under a policy's `risk.levels` (None for non-reasons)."""
    rt = REASONS.get(code)
    if rt is None or rt.kind != "reason":
        return None
    return (levels or {}).get(code, rt.level)


def worst(levels: list[str | None]) -> str | None:
    """The highest of the given levels (None when empty)."""
    return max(levels, key=lambda lv: LEVEL_RANK[lv], default=None)
