"""Whatever a supplier types into the cells the reader looks at, it returns a Declaration.

Property test: random values of every type calamine can hand back (text with junk whitespace,
numbers, booleans, dates, error strings, pipes) in the company block, the answers and the smelter
rows never make `read_declaration` raise, and every smelter row keeps its sheet row.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reader_builders import open_cmrt6

from minetrace.ingest.reader import read_declaration

cell_values = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30),
    st.sampled_from(["\t\tYes ", " No", "#N/A", "Smelter Not Listed", "CID00|CID01", "0", "100%", "Click here to x",
                     "2978 Main Street", "CHINA", "CID002082", "02-May-2024", "\u00a0"]),
    st.integers(min_value=-10, max_value=3_000_000),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e7),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
)
COMPANY_CELLS = ["D8", "D9", "D10", "D12", "D15", "D16", "D22"]
ANSWER_CELLS = ["D26", "D29", "D59", "G29", "D75", "G77", "D83"]
SMELTER_COLUMNS = list("ABCDEFGHIJKLMNOPQ")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(company=st.fixed_dictionaries({c: cell_values for c in COMPANY_CELLS}),
       answers=st.fixed_dictionaries({c: cell_values for c in ANSWER_CELLS}),
       smelters=st.lists(st.dictionaries(st.sampled_from(SMELTER_COLUMNS), cell_values, max_size=8), max_size=4))
def test_reader_never_raises_on_cell_junk(company: dict, answers: dict, smelters: list) -> None:
    def xl(v: object) -> object:
        if isinstance(v, str):
            # openpyxl refuses control characters and treats a leading "=" as a formula
            return v.lstrip("=") or None
        if isinstance(v, date) and not isinstance(v, datetime):
            return datetime(v.year, v.month, v.day)
        return v

    with TemporaryDirectory() as tmp:
        wb = open_cmrt6(Path(tmp), company={k: xl(v) for k, v in company.items() if v is not None},
                        answers={k: xl(v) for k, v in answers.items() if v is not None},
                        smelters=[{k: xl(v) for k, v in row.items() if v is not None} for row in smelters])
        decl = read_declaration(wb)
    assert decl.template.kind == "CMRT"
    assert all(5 <= s.row <= 8 for s in decl.smelters)
    assert decl.to_json()["file"]["name"] == "supplier.xlsx"
