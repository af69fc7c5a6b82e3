"""CMRT 1.00 (EICC-GeSI, July 2011): the first generation.

Checked against the blank 1.00 template (rendered in docs/template-layouts.md): company block D7–D16 without a
declaration scope, the completion date split into day E17 / month name H17 / year J17 dropdowns,
5 per-metal questions (rows 19–43), company questions A–K (rows 51–71), and a "Smelter and Mine
List" sheet whose data start on row 6 (header rows 4–5 merged) and stop at 300 (copyright on 301).
No Checker, Product List or reference list with IDs.
"""

from __future__ import annotations

from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout
from minetrace.ingest.metals import CMRT_METALS

YES_NO = ("Yes", "No")
YES_NO_UNCERTAIN = ("Yes", "No", "Uncertain or Unknown")
VERIFY_ANSWERS = ("Yes (3rd party audit)", "Yes (documentation review only)", "Yes (internal audit)",
                  "Yes (all methods apply)", "No")

CMRT_1 = Layout(
    id="cmrt-1",
    kind="CMRT",
    versions=("1.00", "1.0", "1"),
    verified=True,
    release_date="2011-07-18",
    declaration_sheet="Declaration",
    company_cells=(
        ("name", "D7"),
        ("unique_id", "D8"),
        ("address", "D9"),
        ("authorizer_name", "D10"),
        ("authorizer_title", "D11"),
        ("authorizer_email", "D12"),
        ("authorizer_phone", "D13"),
        ("contact_name", "D14"),
        ("contact_email", "D15"),
        ("contact_phone", "D16"),
    ),
    scopes=(),
    questions=(
        Question("Q1", 19, "Are any of the following metals necessary to the functionality or production of your "
                 "products that you manufacture or contract to manufacture?", YES_NO, role="uses"),
        Question("Q2", 25, "Do the following metals (necessary to the functionality or production of your products) "
                 "originate from the Democratic Republic of the Congo (DRC) or an adjoining country?",
                 YES_NO_UNCERTAIN, role="covered_sourcing"),
        Question("Q3", 31, "Do the following metals (necessary to the functionality or production of your products) "
                 "come from a recycler or scrap supplier?", YES_NO_UNCERTAIN, role="recycled"),
        Question("Q4", 37, "Have you identified all the smelters your company and its suppliers use to supply the "
                 "following metals?", YES_NO, role="smelters_identified"),
        Question("Q5", 43, "Are all of the smelters your company and its suppliers use on the EICC-GeSI "
                 "Conflict-Free Smelter (CFS) list?", ("Yes", "No", "Unknown"), role="smelters_validated"),
    ),
    company_questions=(
        CompanyQuestion("A", 51, "Do you have a policy in place that includes DRC conflict-free sourcing?",
                        role="policy"),
        CompanyQuestion("B", 53, "Is this policy publicly available on your website?", role="policy_public",
                        explain_when=("Yes",), explain_what="the web link (Instructions B)"),
        CompanyQuestion("C", 55, "Do you require your direct suppliers to be DRC conflict-free?",
                        role="supplier_requirement"),
        CompanyQuestion("D", 57, "Do you require your direct suppliers to source from smelters validated as "
                        "conflict-free?", role="smelter_audit"),
        CompanyQuestion("E", 59, "Have you implemented Conflict Minerals sourcing due diligence measures?",
                        role="due_diligence"),
        CompanyQuestion("F", 61, "Do you have completed Conflict Minerals reporting templates from all of your "
                        "suppliers?", role="supplier_responses", explain_when=("No",),
                        explain_what="what the suppliers are asked to complete (Instructions F)"),
        CompanyQuestion("G", 63, "Do you request your suppliers to fill out this Conflict Minerals reporting "
                        "template?", role="survey"),
        CompanyQuestion("H", 65, "Do you request smelter names from your suppliers?", role="smelter_names"),
        CompanyQuestion("I", 67, "Do you verify Conflict Mineral Responses from your suppliers?",
                        allowed=VERIFY_ANSWERS, role="review"),
        CompanyQuestion("J", 69, "Does your verification process include corrective action management?",
                        role="corrective_action", explain_when=("Yes",),
                        explain_what="how the corrective action process is managed (Instructions J)"),
        CompanyQuestion("K", 71, "Are you subject to the SEC disclosure requirement rule?", role="sec_filer"),
    ),
    policy_url_cell="G53",
    version_cells=("J3", "Smelter and Mine List!R3"),
    split_date_cells=("E17", "H17", "J17"),
    smelters=TableLayout(
        "Smelter and Mine List", header_row=4, first_row=6, last_row=300,
        columns=(
            ("metal", "B"),
            ("name", "D"),
            ("tier", "E"),
            ("street", "F"),  # "Smelter Facility Location: Street / City / Country (*)", one combined cell
            ("contact_name", "H"),
            ("contact_email", "J"),
            ("on_cfs_list", "L"),
            ("next_steps", "N"),
            ("mine_names", "P"),
            ("mine_countries", "R"),
            ("product_category", "T"),
            ("product_details", "V"),
            ("comments", "X"),
        ),
        alt_sheets=("Smelter List",),
    ),
    products=None,
    checker_sheet=None,
    checker_total_cell=None,
    required_sheets=("Declaration", "Smelter and Mine List"),
    lookup_sheet=None,
    metals=CMRT_METALS,
    notes="Location is one combined Street / City / Country cell (F); no smelter IDs exist in 1.00.",
)
