"""The findings catalogue: every code a reader or the validator may emit, as data.

Why a catalogue: a finding's severity is a compliance decision, not a coding accident. It is
decided once here (frictionless-style: code, title, severity, description) and every emitter
goes through `make_finding`, so the CLI, the explorer and the exports all agree on what makes
a form `invalid` (at least one `error`) and what is only a follow-up (`warning`) or a note
(`info`). Codes are stable: they may be added, never renamed.

Severity policy (how an analyst reads a CMRT):
* error — the form cannot be accepted as a complete declaration: a required field the RMI
  Checker counts is missing, a metal is in scope with no smelter, a "Smelter not listed" row
  has no name or country, a scope-B form lists no product, contact data is unusable.
* warning — the form is usable but something must be followed up with the supplier
  (inconsistent answers, malformed CIDs, stale template, dates that cannot be right).
* info — worth knowing, no action needed (duplicate rows, consolidated cells, our Checker
  count differing from a cached one that may be stale).
"""

from __future__ import annotations

from dataclasses import dataclass

from minetrace.ingest.records import Finding, Severity

Stage = str  # "reader", "validation", "resolution", "master_list"


@dataclass(frozen=True)
class FindingType:
    code: str
    title: str
    severity: Severity
    description: str
    stage: Stage = "validation"  # who emits it


CATALOGUE: tuple[FindingType, ...] = (
    # --- completeness: what the RMI Checker counts -------------------------------------------
    FindingType(
        "required_field_missing", "Required field missing", "error",
        "A field the template marks as required (*) and its Checker counts is empty: company name, scope, "
        "description of scope (scope C), contact and authorizer name/email/phone, effective date, a per-metal "
        "answer that the Q1/Q2 gating makes necessary, or a company-level question while any metal is in scope.",
    ),
    FindingType(
        "malformed_email", "Malformed e-mail address", "warning",
        "A contact or authorizer e-mail that has an '@' but is not a valid address (a comma for a dot, no domain, "
        "spaces): follow up before relying on it. An e-mail with no '@' at all is what the RMI Checker counts as "
        "missing and is reported as required_field_missing (error).",
    ),
    FindingType(
        "metal_in_scope_without_smelters", "Metal in scope without smelters", "error",
        "Q1/Q2 put a metal in scope (not answered 'No') but the Smelter List has no row for that metal with a "
        "smelter look-up value (Checker rows 65-68).",
    ),
    FindingType(
        "smelter_not_listed_incomplete", "'Smelter not listed' without name or country", "error",
        "A Smelter List row chose 'Smelter not listed' but left the smelter name (D) or country (E) empty "
        "(Checker row 69); the row cannot be identified.",
    ),
    FindingType(
        "product_list_missing", "Product List missing for a product-scope declaration", "error",
        "The declaration scope is 'B. Product (or List of Products)' (2.x: 'D. Product Level') but the first "
        "Product List row has no product number (Checker row 64).",
    ),
    FindingType(
        "policy_url_missing", "Policy URL missing", "error",
        "Company question B (policy publicly available) is 'Yes' but the comment cell holds no URL (6.x G77; "
        "Checker row 56).",
    ),
    # --- consistency and plausibility: follow up ---------------------------------------------
    FindingType(
        "effective_date_future", "Effective date in the future", "warning",
        "The effective date lies after the date of validation; usually a typo (day/month swapped, wrong year).",
    ),
    FindingType(
        "effective_date_before_release", "Effective date before the template's release", "warning",
        "The effective date precedes the release date of the template revision used, so the date cannot be "
        "right (a re-used old date, or a 1900/1904 epoch mix-up).",
    ),
    FindingType(
        "reporting_year_unknown", "Filed under no reporting year", "warning",
        "The form has no (readable) effective date and no campaign year was given at ingest, so it is filed under "
        "no reporting year and counts in no year's figures (never under the date it was received). Ingest the "
        "same file again with --year to file it.", stage="ingest",
    ),
    FindingType(
        "effective_date_unparsed", "Effective date not readable as a date", "warning",
        "The effective date cell holds text that could not be read as a date; it counts as given for the "
        "Checker but cannot be used for reporting periods.",
    ),
    FindingType(
        "metal_declared_no_but_smelters_listed", "Metal declared 'No' but smelters listed", "warning",
        "The scope questions (read by role: 'is the metal used', 'does it remain in the product') take the metal "
        "out of scope, yet the Smelter List has rows for it; either the answer or the list is wrong. CMRT 1.x/2.x "
        "question 2 (origin in the DRC or an adjoining country) is a sourcing answer and never raises this.",
    ),
    FindingType(
        "answer_not_explained", "Answer the instructions require to be explained", "warning",
        "A company question is answered the way the template's instructions say must be explained in the comment "
        "(2.x/3.01 I 'Yes': how corrective action is managed; F 'No': what suppliers are asked to complete; 1.00/"
        "2.x B 'Yes': the web link; 6.x E 'Yes, using other format': the format), and the comment is empty.",
    ),
    FindingType(
        "q7_yes_with_unidentified_smelters", "All smelters identified, yet 'not yet identified' rows", "warning",
        "Q7 ('identified all of the smelters') is 'Yes' for a metal while the Smelter List has "
        "'Smelter not yet identified' rows for it.",
    ),
    FindingType(
        "malformed_cid", "Malformed smelter ID", "warning",
        "A smelter identification is neither an RMI CID (CID + 6 digits) nor an old-style ID "
        "(metal digit + ISO-3 + 3 digits); the row can only be resolved by name.",
    ),
    FindingType(
        "unknown_answer_value", "Answer not in the template's list", "warning",
        "An answer cell holds a value that is not one of the template's dropdown values (typed over the "
        "validation, or pasted); it counts as given but its meaning is unclear.",
    ),
    FindingType(
        "stale_template_version", "Stale template version", "warning",
        "The template revision is older than the program's policy accepts (default: below CMRT 6.0); ask the "
        "supplier for a current revision.",
    ),
    FindingType(
        "column_shift", "Column shift in the Smelter List", "warning",
        "Values sit one or more columns away from their header (a street in the ID column, a country where a "
        "CID belongs) — usually rows pasted from another template revision. Emitted by the reader.",
        "reader",
    ),
    FindingType(
        "layout_unverified", "Layout derived without a sample", "warning",
        "The template revision (CMRT 4.x/5.x) was read with a layout derived from documentation, not verified on "
        "a real workbook; check the values against the file.",
    ),
    FindingType(
        "unknown_version", "Unknown template version", "warning",
        "The template kind or revision could not be recognised, or no layout covers it; the values were read "
        "with the nearest layout and the Checker could not be reproduced.",
    ),
    FindingType(
        "smelter_row_without_metal", "Smelter row without metal", "warning",
        "A Smelter List row has a smelter but no metal, so it cannot be attributed to a metal.",
    ),
    # --- notes ---------------------------------------------------------------------------------
    FindingType(
        "duplicate_smelter_row", "Duplicate smelter row", "info",
        "The same smelter (metal + CID, or metal + name + country when no CID) is listed more than once. Normal "
        "in consolidated lists; counted once downstream.",
    ),
    FindingType(
        "consolidated_row", "Consolidated (pipe-joined) cell", "info",
        "A Smelter List cell joins several values with '|' (a consolidator's aggregate); kept raw and split. "
        "Emitted by the reader.",
        "reader",
    ),
    FindingType(
        "workbook_checker_error", "The workbook's own Checker total is no count", "info",
        "The workbook's Checker total (D2) is an Excel error (the CMRT 2.00/2.01 template's formula is broken: "
        "#VALUE!) or negative (2.0x subtracts the fields answered from a fixed number, so extra answers push it "
        "below zero). minetrace's checker_missing is the number of missing required fields, never negative.",
    ),
    FindingType(
        "checker_mismatch", "Checker count differs from the workbook's", "info",
        "Our reimplementation of the RMI Checker counts a different number of missing items than the workbook's "
        "cached Checker!D2. Only meaningful when Excel computed the file; files written by other tools carry "
        "stale or no cached values.",
    ),
    # --- reading the workbook ------------------------------------------------------------------------
    FindingType(
        "sheet_truncated", "Sheet read only in part", "warning",
        "A sheet was larger than the reader's row limit (a million-row sheet, a zip bomb); only the first rows "
        "were read, so smelters or products may be missing.", "reader",
    ),
    FindingType(
        "workbook_warning", "Workbook read with a warning", "warning",
        "The workbook opened, but the reader reported something unusual about it (see the message).", "reader",
    ),
    # --- smelter resolution (on each row's Resolution) -------------------------------------------------
    FindingType(
        "cid_unknown", "CID not in the reference list", "warning",
        "A well-formed CID that the reference list does not know (mistyped, or newer than the list).", "resolution",
    ),
    FindingType(
        "cid_wrong_metal", "CID of another metal", "warning",
        "The CID belongs to a facility of another metal than the row declares.", "resolution",
    ),
    FindingType(
        "cid_unverified", "CID taken without a reference list", "info",
        "No reference list was loaded, so the CID was accepted as given.", "resolution",
    ),
    FindingType(
        "cid_name_mismatch", "Row name does not match the CID", "info",
        "The smelter name typed on the row scores low against the CID's names; the CID was kept.", "resolution",
    ),
    FindingType(
        "cid_country_mismatch", "CID's facility is in another country than the row says", "warning",
        "The row's CID names a facility in another country than the row's country column. Kept when the row's "
        "name agrees with the CID; otherwise the row goes to review (a contradiction is never accepted alone).",
        "resolution",
    ),
    FindingType(
        "old_id_metal_mismatch", "Old-style ID of another metal", "warning",
        "An old-style smelter ID (CMRT 2.x, e.g. 3USA005) starts with the digit of another metal than the row "
        "declares (1 gold, 2 tin, 3 tantalum, 4 tungsten); the ID is set aside and the row resolved by name.",
        "resolution",
    ),
    FindingType(
        "cid_split", "CID split into several facilities", "info",
        "The reported CID was later split into facility-level CIDs; which plant supplies is for the supplier "
        "to say.", "resolution",
    ),
    # --- reference facts by trust ---------------------------------------------------------------------------
    FindingType(
        "lookup_disagrees_with_reference", "Look-up disagrees with the reference", "warning",
        "The file's own Smelter Look-up is not a known RMI release and gives a CID another metal, standard name or "
        "country than the reference in force (RMI's exports or a recognised template release). The reference is "
        "kept for everyone; the file's value is kept as a proposal with its source (`minetrace reference show "
        "CID`). Ask the supplier why, and whether its own rows rely on it.", "resolution",
    ),
    # --- the supplier master list ------------------------------------------------------------------------
    FindingType("supplier_list_unreadable", "Master list unreadable", "error",
                "The supplier master list could not be opened or has no recognisable header.", "master_list"),
    FindingType("supplier_list_no_header", "Master list without a header row", "error",
                "No row in the first 20 names a supplier ID and a supplier name column: the list cannot be read "
                "(expected headers such as 'Supplier ID', 'Supplier Name', 'Category', 'Contact Email').",
                "master_list"),
    FindingType("supplier_list_empty", "Master list empty", "error",
                "The supplier master list has no supplier rows.", "master_list"),
    FindingType("supplier_missing_id", "Supplier without ID", "error",
                "A master-list row has no supplier ID; it cannot be linked to declarations.", "master_list"),
    FindingType("supplier_missing_name", "Supplier without name", "error",
                "A master-list row has no supplier name.", "master_list"),
    FindingType("supplier_duplicate_id", "Duplicate supplier ID", "warning",
                "The same supplier ID appears on several master-list rows.", "master_list"),
    FindingType("supplier_unknown_category", "Unknown supplier category", "warning",
                "The category is not recognisable as direct, indirect or service, so scoping cannot use it.",
                "master_list"),
    FindingType("supplier_bad_date", "Unreadable last-purchase date", "warning",
                "The last-purchase date could not be read, so the inactivity rule cannot use it.", "master_list"),
    FindingType("supplier_bad_email", "Malformed supplier e-mail", "warning",
                "The supplier contact e-mail is not a valid address.", "master_list"),
    FindingType("supplier_bad_spend", "Unreadable spend", "warning",
                "The spend value is not a number.", "master_list"),
)

_BY_CODE: dict[str, FindingType] = {t.code: t for t in CATALOGUE}
CODES: frozenset[str] = frozenset(_BY_CODE)


def finding_type(code: str) -> FindingType:
    """The catalogue entry for `code`; KeyError for a code that is not catalogued."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise KeyError(f"finding code {code!r} is not in the catalogue (ingest/findings.py)") from None


def severity_of(code: str) -> Severity:
    return finding_type(code).severity


def make_finding(code: str, location: str, message: str) -> Finding:
    """A `Finding` whose severity comes from the catalogue (never chosen by the emitter)."""
    return Finding(code=code, severity=finding_type(code).severity, location=location, message=message)


def with_catalogue_severity(finding: Finding) -> Finding:
    """The finding with the catalogue's severity (unchanged when the code is not catalogued)."""
    t = _BY_CODE.get(finding.code)
    if t is None or t.severity == finding.severity:
        return finding
    return Finding(finding.code, t.severity, finding.location, finding.message)


def catalogue_rows() -> list[dict[str, str]]:
    """The catalogue as plain rows (for docs, `--json` and the explorer's legend)."""
    return [{"code": t.code, "title": t.title, "severity": t.severity, "description": t.description,
             "stage": t.stage} for t in CATALOGUE]
