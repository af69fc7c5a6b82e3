"""The criteria the report says it applied: the risk rules and program-strength rules of the policy in force.

Why from the policy object: a report that describes criteria other than the ones that produced its figures
misleads. These sentences are written from the `Policy` the figures were computed with (Covered Countries,
high-risk states, declared-sourcing rule, sanctioned jurisdictions, audit cycle, strong-program roles and
the CMRT question letters of those roles), so a company policy file changes the text with the figures.
"""

from __future__ import annotations

from minetrace.ingest.layouts import layout_for
from minetrace.queries.policy import Policy
from minetrace.queries.program import ROLE_TITLES
from minetrace.queries.report import country_title

#: how the report names countries whose ISO short names read badly in a sentence
SENTENCE_NAMES = {"CD": "Democratic Republic of the Congo", "CG": "Republic of the Congo", "TZ": "Tanzania"}


def sentence_name(iso2: str) -> str:
    return SENTENCE_NAMES.get(iso2.upper(), country_title(iso2))


def country_list(codes: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(sentence_name(c) for c in codes))


def risk_criteria(policy: Policy, as_of: str) -> list[str]:
    """One sentence per rule, high first."""
    r = policy.risk
    levels = {code: r.levels.get(code, default) for code, default in (
        ("covered_location", "high"), ("cahra_location", "medium"))}  # the preset's levels (queries.reasons)
    cahra = "a conflict-affected and high-risk area (CAHRA) on the dated list in force"
    uses_cahra = r.use_reference_cahra or bool(r.extra_cahra)
    places = "a Covered Country (" + country_list(r.covered_countries) + ")"
    if uses_cahra and levels["cahra_location"] == "high":
        places += f" or {cahra}"
    out = []
    if r.use_reference_watchlist or r.extra_watch_cids:
        out.append("High risk — adverse evidence: the smelter or refiner is on the watchlist of facilities with "
                   "public evidence of conflict-affected or unethical sourcing.")
    if r.high_states:
        out.append("High risk — audit status: its RMAP or member-database state is high on its own ("
                   + "; ".join(dict.fromkeys(r.high_states)) + "), or RMI removed it from its list for cause.")
    sourcing = (" or its suppliers specifically declared mine countries there (a list of more than "
                f"{r.max_declared_countries} countries counts as unspecific)" if r.declared_sourcing_high else "")
    out.append(f"High risk — geography: it is located in {places}{sourcing}, and it is not conformant as of "
               f"{as_of}.")
    if uses_cahra and levels["cahra_location"] == "medium":
        out.append(f"Medium risk — geography: it is located in {cahra} (a whole-country entry, or its state or "
                   f"province is a listed area) and not conformant as of {as_of}.")
    for s in r.sanctioned_jurisdictions:
        metals = ", ".join(s.metals) if s.metals else "any metal"
        since = f" from {s.since.isoformat()}" if s.since else ""
        out.append(f"High risk — sanctions: located in {sentence_name(s.iso2)} ({metals}){since}.")
    out.append(f"Medium risk: not conformant as of {as_of} (RMAP Active, i.e. in audit, or not enrolled), or its "
               f"conformance lapsed (last audit plus audit cycle before {as_of}; a cycle of "
               f"{r.default_audit_cycle_months} months is assumed when none is published).")
    out.append(f"Low risk: conformant ({', '.join(dict.fromkeys(r.conformant_states))}) and current as of {as_of}.")
    out.append("No level, a data-quality finding instead: the entry is not a smelter, is no longer operating, "
               "cannot be resolved to an RMI smelter ID, or is not yet identified by the supplier; or no RMAP "
               "status data was available to judge it.")
    return out


def program_criteria(policy: Policy) -> list[str]:
    """What makes a supplier's program strong: every role answered Yes (with the CMRT 6.5 question letters)."""
    layout = layout_for("CMRT", "6.5")
    letters = {q.role: q.letter for q in layout.company_questions if q.role} if layout else {}
    out = []
    for role in policy.program.strong_roles:
        letter = letters.get(role)
        out.append(ROLE_TITLES.get(role, role.replace("_", " ").capitalize())
                   + (f" (CMRT question {letter})" if letter else ""))
    return out
