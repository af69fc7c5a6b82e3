"""The year's Conflict Minerals Report, drafted from the store: Word (and PDF), every figure traceable.

Why a package: the Form SD Conflict Minerals Report is the document the whole program ends in, and an
analyst who retypes figures into Word makes them drift from the data. Here the draft is generated:

    figures.py   every figure, table and list the report states — the ONE module that calls the query
                 functions (survey, scoping, risk, roll-up, programs, appendix, origin), each figure with
                 the CLI command and JSON path that reproduce it (catalogue: figures.yaml)
    criteria.py  the risk and program-strength criteria of the policy in force, in words
    texts.py     the company's own text blocks (YAML) and the marked placeholders for the missing ones
    template.py  the default template, written by code here (Jinja placeholders, docxtpl syntax)
    markers.py   how figures, placeholders, tables and charts travel through Jinja into the document
    finish.py    turns those markers into bookmarked runs, highlighted placeholders, Word tables, images
    tables.py    real Word tables (header row repeated, borders, figure cells bookmarked)
    charts.py    the charts, rendered offline to PNG with matplotlib
    props.py     the report's parameters and generated figures, kept as custom document properties
    draft.py     the pipeline: data → context → template → finished .docx + report.json (+ PDF)
    pdf.py       .docx → PDF with LibreOffice headless
    check.py     `report check`: re-read an edited .docx and list what no longer matches the data

Example:
    >>> with QueryContext.open(".minetrace", year=2025) as ctx:                   # doctest: +SKIP
    ...     result = draft_report(ctx, "cmr-2025.docx", ReportOptions(company="Acme Corp"))
    >>> result.figures["response_rate"].text                                       # doctest: +SKIP
    '81.7'
"""
