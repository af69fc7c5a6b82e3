"""CMRT 2.00 – 2.03a (EICC-GeSI, Aug 2012 → July 2013): one Declaration, two Smelter List orders.

Checked against the 2.00/2.01 blanks, the 2.03a blank, the Green Status Pro fills of every 2.0x
version and the real Connor Winfield 2.02 file (rendered in docs/template-layouts.md). The Declaration is the same in
all 2.0x versions: company block D8–D18 (one representative, "Date of Completion" D18), six
per-metal questions on rows 21–51, company questions A–J on rows 59–77, policy URL in G61.
2.02 inserted the "Smelter ID" column F, shifting street … comments one column right; 2.00/2.01
keep a hidden formula in column A that returns the (old-style) smelter ID.

Trap: 2.02 keeps a hidden translation table right below the data ('AAAA…' marker row, then
'English' / 'Chinese' …): from row 2506 in the template, but from row 2502 — inside the
data-validation range 5–2504 — in the real Connor Winfield file, whose supplier deleted rows.
The reader stops at that table (`ingest.reader._is_translation_row`) rather than trusting a
fixed last row. 2.00/2.01 stop at 1001 (copyright on 1002, translations from 1004).
"""

from __future__ import annotations

from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout
from minetrace.ingest.metals import CMRT_METALS

YES_NO = ("Yes", "No")
YES_NO_UNCERTAIN = ("Yes", "No", "Uncertain or Unknown")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
RECEIVED_ANSWERS = ("Yes", "No but > 75%", "No but > 50%", "No but > 25%", "No but < 25%", "No - none")
VERIFY_ANSWERS = ("Yes (3rd party audit)", "Yes (documentation review only)", "Yes (internal audit)",
                  "Yes (all methods apply)", "No")

SCOPES_2 = (
    ("A. Company Level", "A"),
    ("B. Division Level [Specify in 'Description of scope']", "B"),
    ("C. Product Category Level [Specify in 'Description of scope']", "C"),
    ("D. Product Level", "D"),
)

COMPANY_CELLS_2 = (
    ("name", "D8"),
    ("scope", "D9"),
    ("scope_description", "D10"),
    ("unique_id", "D12"),
    ("address", "D13"),
    ("authorizer_name", "D14"),
    ("authorizer_title", "D15"),
    ("authorizer_email", "D16"),
    ("authorizer_phone", "D17"),
    ("effective_date", "D18"),
)

QUESTIONS_2 = (
    Question("Q1", 21, "Are any of the following metals necessary to the functionality or production of your "
             "products that you manufacture or contract to manufacture?", YES_NO, role="uses"),
    Question("Q2", 27, "Do the following metals (necessary to the functionality or production of your products) "
             "originate from the Democratic Republic of the Congo (DRC) or an adjoining country?",
             YES_NO_UNCERTAIN, role="covered_sourcing"),
    Question("Q3", 33, "Do the following metals (necessary to the functionality or production of your products) "
             "come from a recycler or scrap supplier?", YES_NO_UNCERTAIN, role="recycled"),
    Question("Q4", 39, "Have you received completed Conflict Minerals Reporting Templates from all of your "
             "relevant suppliers?", RECEIVED_ANSWERS, role="supplier_response"),
    Question("Q5", 45, "For each of the following metals, have you identified all of the smelters your company "
             "and its suppliers use?", ("Yes all smelters have been provided", "No"), role="smelters_identified"),
    Question("Q6", 51, "Have all of the smelters used by your company and its suppliers been validated as "
             "compliant in accordance with the Conflict-Free Smelter (CFS) program?", YES_NO_UNKNOWN,
             role="smelters_validated"),
)

COMPANY_QUESTIONS_2 = (
    CompanyQuestion("A", 59, "Do you have a policy in place that includes DRC conflict-free sourcing?",
                    role="policy"),
    CompanyQuestion("B", 61, "Is this policy publicly available on your website?", role="policy_public",
                    explain_when=("Yes",), explain_what="the web link (Instructions B)"),
    CompanyQuestion("C", 63, "Do you require your direct suppliers to be DRC conflict-free?",
                    allowed=("Yes", "Yes included in standard contract language", "No"),
                    role="supplier_requirement"),
    CompanyQuestion("D", 65, "Do you require your direct suppliers to source from smelters validated as "
                    "conflict-free by an independent third party audit program?",
                    allowed=("Yes", "No", "Planned once lists become available"), role="smelter_audit"),
    CompanyQuestion("E", 67, "Have you implemented due diligence measures for conflict-free sourcing?",
                    role="due_diligence"),
    CompanyQuestion("F", 69, "Do you request your suppliers to fill out this Conflict Minerals Reporting Template?",
                    role="survey", explain_when=("No",),
                    explain_what="what the suppliers are asked to complete instead (Instructions F)"),
    CompanyQuestion("G", 71, "Do you request smelter names from your suppliers?", role="smelter_names"),
    CompanyQuestion("H", 73, "Do you verify due diligence information received from your suppliers?",
                    allowed=VERIFY_ANSWERS, role="review"),
    CompanyQuestion("I", 75, "Does your verification process include corrective action management?",
                    role="corrective_action", explain_when=("Yes",),
                    explain_what="how the corrective action process is managed (Instructions I)"),
    CompanyQuestion("J", 77, "Are you subject to the SEC Conflict Minerals disclosure requirements?",
                    role="sec_filer"),
)

#: 2.00 / 2.01: no Smelter ID column; A is a hidden formula returning the old-style ID
SMELTER_COLUMNS_200 = (
    ("input_cid", "A"),
    ("metal", "B"),
    ("lookup", "C"),
    ("name", "D"),
    ("country", "E"),
    ("street", "F"),
    ("city", "G"),
    ("state", "H"),
    ("contact_name", "I"),
    ("contact_email", "J"),
    ("next_steps", "K"),
    ("mine_names", "L"),
    ("mine_countries", "M"),
    ("comments", "N"),
)

#: 2.02 – 2.03a: "Smelter ID" inserted as F
SMELTER_COLUMNS_202 = (
    ("metal", "B"),
    ("lookup", "C"),
    ("name", "D"),
    ("country", "E"),
    ("cid", "F"),
    ("street", "G"),
    ("city", "H"),
    ("state", "I"),
    ("contact_name", "J"),
    ("contact_email", "K"),
    ("next_steps", "L"),
    ("mine_names", "M"),
    ("mine_countries", "N"),
    ("comments", "O"),
)

PRODUCTS_2 = TableLayout("Product List", header_row=5, first_row=6, last_row=300,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D")))


def _layout_2(layout_id: str, versions: tuple[str, ...], release: str, smelters: TableLayout,
              version_cells: tuple[str, ...], shifted: tuple[tuple[str, str], ...] = (), notes: str = "",
              checker_broken: str = "") -> Layout:
    return Layout(
        id=layout_id,
        kind="CMRT",
        versions=versions,
        verified=True,
        release_date=release,
        declaration_sheet="Declaration",
        company_cells=COMPANY_CELLS_2,
        scopes=SCOPES_2,
        questions=QUESTIONS_2,
        company_questions=COMPANY_QUESTIONS_2,
        policy_url_cell="G61",
        version_cells=version_cells,
        smelters=smelters,
        products=PRODUCTS_2,
        lookup_sheet="Standard Smelter Names",
        metals=CMRT_METALS,
        shifted_smelter_columns=shifted,
        notes=notes,
        checker_broken=checker_broken,
    )


CMRT_2_00 = _layout_2(
    "cmrt-2.00", ("2.00", "2.0", "2", "2.01"), "2012-08-29",
    TableLayout("Smelter List", header_row=4, first_row=5, last_row=1001, columns=SMELTER_COLUMNS_200),
    ("J3", "Smelter List!N3"),
    notes="Column A holds a hidden VLOOKUP returning the old-style smelter ID; hidden translation rows 1004+.",
    checker_broken="the 2.00/2.01 template's Checker!F54 formula returns #VALUE!, so its D2 total is an error in "
                   "every 2.00/2.01 workbook",
)

CMRT_2_02 = _layout_2(
    "cmrt-2.02", ("2.02",), "2013-03-29",
    TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_202),
    ("J3", "Smelter List!N3"),
    shifted=SMELTER_COLUMNS_200,
    notes="Hidden translation table below the data (2506+ in the template, 2502+ in files with rows deleted); "
          "rows pasted from a 2.01 sheet arrive shifted one column left.",
)

CMRT_2_03 = _layout_2(
    "cmrt-2.03", ("2.03", "2.03a"), "2013-07-12",
    TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_202),
    ("J3", "Smelter List!O3"),
    shifted=SMELTER_COLUMNS_200,
    notes="Hidden sheets L (labels), K (aliases), C (countries); column A unused (consolidators put row numbers "
          "there).",
)
