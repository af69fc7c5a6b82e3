"""The shape of a layout table: where one template generation keeps each field.

Layouts are data. One `Layout` per template generation drives the one reader
(`ingest.reader`), the validator (`ingest.validate`) and the writer
(`queries.template_writer`); adding CMRT 6.6 should be a new table, not a branch.
Cells are Excel A1 addresses, rows are 1-based sheet rows, columns are letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: What a per-metal question asks, independent of its number in a template generation. Validation,
#: risk and program strength read questions by role, never by number: CMRT 2.x Q2 asks where the metal
#: comes from (a sourcing answer), while 6.x Q2 asks whether it remains in the product (a scope answer).
QUESTION_ROLES: dict[str, str] = {
    "uses": "the metal is intentionally added, used or necessary (No = not in scope for that metal)",
    "remains": "the metal remains in / is contained in the product (No = not in scope for that metal)",
    "covered_sourcing": "the metal (or a smelter's source) originates in the DRC or an adjoining (Covered) country",
    "cahra_sourcing": "a smelter sources the metal from conflict-affected and high-risk areas (CAHRAs)",
    "recycled": "the metal comes (100 %) from recycled or scrap sources",
    "supplier_response": "share of relevant suppliers that answered the survey",
    "smelters_identified": "all smelters supplying the metal have been identified",
    "all_reported": "all smelter information received has been reported in this declaration",
    "smelters_validated": "all smelters are validated as conflict-free / on the CFS list",
}


@dataclass(frozen=True)
class Question:
    """A per-metal question: the question row, then one answer row per metal below it."""

    qid: str  # "Q1" …
    row: int  # the question's own row; answers are on the rows of `metal_rows`
    text: str  # English question text (labels in files may be in another language)
    allowed: tuple[str, ...] = ()  # allowed answers (English, as the dropdown lists them)
    #: metal → answer row. When empty, the CMRT order Ta, Sn, Au, W on row+1 … row+4 applies.
    metal_rows: tuple[tuple[str, int], ...] = ()
    #: per-metal answer lists where a metal's dropdown differs from `allowed` (EMRT 1.x Q3 cobalt / mica)
    allowed_by_metal: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: what the question means, whatever its number in this generation (see QUESTION_ROLES)
    role: str = ""

    def allowed_for(self, metal: str | None) -> tuple[str, ...]:
        """The answers the dropdown offers for `metal` (the question's list when not metal-specific)."""
        for name, allowed in self.allowed_by_metal:
            if name == metal:
                return allowed
        return self.allowed


@dataclass(frozen=True)
class CompanyQuestion:
    letter: str  # "A" …
    row: int
    text: str
    allowed: tuple[str, ...] = ("Yes", "No")
    #: the meaning in the program-strength model: "policy", "policy_public", "due_diligence",
    #: "review", "corrective_action", "survey", "smelter_audit", "sec_filer", … or "" when none
    role: str = ""
    #: a company question answered once per metal (EMRT C): metal → answer row, fixed (EMRT 1.x)
    metal_rows: tuple[tuple[str, int], ...] = ()
    #: answers the template's instructions require to be explained in the comment ("I. … If 'Yes', please
    #: describe how you manage your corrective action process"), matched case-insensitively as a prefix
    explain_when: tuple[str, ...] = ()
    #: what the comment must say, in the instructions' words ("how corrective action is managed")
    explain_what: str = ""
    #: … or on the rows below the question, one per selected mineral, labelled in column B (EMRT 2.x)
    slot_rows: int = 0


@dataclass(frozen=True)
class TableLayout:
    """A row-per-record sheet: Smelter List, Product List, Mine List."""

    sheet: str  # canonical sheet name
    header_row: int
    first_row: int
    last_row: int  # last row the template's data validation covers
    columns: tuple[tuple[str, str], ...]  # (field name, column letter)
    alt_sheets: tuple[str, ...] = ()  # other names the same sheet has had

    def column(self, name: str) -> str | None:
        for field_name, letter in self.columns:
            if field_name == name:
                return letter
        return None


@dataclass(frozen=True)
class Layout:
    id: str  # "cmrt-6", "cmrt-3", "cmrt-2.02", …
    kind: str  # "CMRT", "EMRT", "CRT", "AMRT"
    versions: tuple[str, ...]  # version strings this table reads ("6.01", "6.1", …)
    verified: bool  # False when derived without a sample workbook (CMRT 4.x/5.x)
    release_date: str | None  # ISO date of the earliest version of the table, for "date before release"
    declaration_sheet: str
    #: company-block field (CompanyInfo attribute) → cell
    company_cells: tuple[tuple[str, str], ...]
    #: allowed scope texts → scope letter
    scopes: tuple[tuple[str, str], ...]
    questions: tuple[Question, ...]
    company_questions: tuple[CompanyQuestion, ...]
    answer_column: str = "D"
    comment_column: str = "G"
    policy_url_cell: str | None = None
    language_cell: str | None = "D3"
    version_cells: tuple[str, ...] = ("J3",)
    #: 1.00 splits the effective date into day / month name / year cells
    split_date_cells: tuple[str, str, str] | None = None
    smelters: TableLayout | None = None
    products: TableLayout | None = None
    mines: TableLayout | None = None
    checker_sheet: str | None = "Checker"
    checker_total_cell: str | None = "D2"
    #: sheets whose absence makes the workbook unreadable as this template
    required_sheets: tuple[str, ...] = ("Declaration", "Smelter List")
    #: sheet holding the reference list inside the template (alias → standard name → CID)
    lookup_sheet: str | None = None
    #: metals the Declaration asks about (CMRT: the four 3TG in the template's order)
    metals: tuple[str, ...] = ()
    notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    #: EMRT 2.x / AMRT: cells where the declarer selects the minerals in scope (sorted into the question rows)
    mineral_scope_cells: tuple[str, ...] = ()
    #: EMRT 2.x / AMRT: answer rows reserved under each question (one per selected mineral, labelled in B)
    mineral_slots: int = 0
    #: how the scope questions (roles "uses", "remains") combine: "all" — a metal is in scope only when every one
    #: is not "No" (CMRT 6.x: Q2 asked only when Q1 is "Yes"); "any" — in scope when any is "Yes", out only when
    #: all are "No" (CMRT 3.x-5.x: "mandatory … if the response to Question 1 or 2 is 'Yes'")
    scope_rule: str = "all"
    #: why the template's own Checker total is an Excel error in every workbook of this generation ("" when not)
    checker_broken: str = ""
    #: smelter column map of the previous generation, used to re-read rows pasted in the old order
    #: (a 2.01-layout row pasted into a 2.02 sheet); empty when no such shift is known
    shifted_smelter_columns: tuple[tuple[str, str], ...] = ()

    def company_cell(self, name: str) -> str | None:
        for field_name, cell in self.company_cells:
            if field_name == name:
                return cell
        return None
