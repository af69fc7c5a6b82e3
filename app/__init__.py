"""People → everything above: the CLI and the Streamlit explorer. No business logic here."""
