"""app/safe_output.py: text from a file is never markup, terminal control, Markdown or HTML where it is shown."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.table import Table

from minetrace.app.safe_output import DISPLAY_LIMIT, cell, file_name, html, json_text, markup, md, plain
from minetrace.ingest.sources import printable_name

HOSTILE = ["[/x]", "[bold]x[/bold]", "\x1b[2J", "\x1b]0;t\x07", "\x1b]52;c;Zm9v\x07", "\x9b31m", "\u202eabc",
           "a\rb", "\x00\x08\x7f", "caf\udce9"]


def rendered(renderable: object) -> str:
    out = StringIO()
    Console(file=out, width=200, color_system=None, highlight=False).print(renderable)
    return out.getvalue()


def test_plain_shows_controls_as_escapes_and_is_one_line() -> None:
    assert plain("Acme\x1b]0;pwned\x07 Ltd") == "Acme\\x1b]0;pwned\\x07 Ltd"
    assert plain("a\u202eb\u2066c") == "a\\u202eb\\u2066c"
    assert plain("x\x9by") == "x\\x9by"
    assert plain("caf\udce9.xlsx") == "caf\\xe9.xlsx"  # an undecodable file-name byte
    assert plain(b"caf\xe9") == "caf\\xe9"
    assert plain("two\nlines\rand\ttab") == "two lines and tab"
    assert plain(None) == "" and plain(42) == "42" and plain(Path("a/b.xlsx")) == "a/b.xlsx"


def test_long_values_are_cut_first_and_say_so() -> None:
    text = "x" * 1_000_000
    shown = plain(text)
    assert shown.startswith("x" * DISPLAY_LIMIT) and shown.endswith("… (+999,800 characters)")
    assert len(markup("[" * 1_000_000)) < 2 * DISPLAY_LIMIT + 40
    assert plain(text, None) == text  # no limit: file names, JSON


def test_markup_and_cells_print_literally() -> None:
    for text in HOSTILE:
        out = rendered(f"[bold]{markup(text)}[/bold]")
        assert plain(text) in out
        table = Table("a")
        table.add_row(cell(text))
        assert plain(text) in rendered(table)
        assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\x00")


def test_markdown_and_html_escape_everything_that_could_render() -> None:
    assert md("**bold** :red[x] <b>$x$") == "\\*\\*bold\\*\\* \\:red\\[x\\] \\<b\\>\\$x\\$"
    assert md("Tony Goetz N.V. Antwerpen") == "Tony Goetz N.V. Antwerpen"
    assert md("# title") == "\\# title" and md("1. item") == "1\\. item" and md("- x") == "\\- x"
    assert md("see www.evil.example and http://x") == "see www\u2060\\.evil.example and http\u2060\\://x"
    assert md("a.b@evil.example") == "a.b\u2060@evil.example"  # bare URLs and e-mails: no autolink
    assert html("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert html("\x1b") == "\\x1b"


def test_json_is_whole_valid_utf8_and_terminal_safe() -> None:
    data = {"name": "caf\udce9\x1b[2J\x85\u202e" + "L" * 40_000, "n": 1}
    text = json_text(data)
    text.encode("utf-8")  # strict: lone surrogates would raise
    assert not any(ch in text for ch in "\x1b\x85\u202e")
    back = json.loads(text)
    assert back["name"].startswith("caf\\xe9\x1b[2J\x85\u202e") and len(back["name"]) == 4 + 4 + 2 + 40_000 + 3


def test_file_names_are_printable_everywhere() -> None:
    name = "caf\udce9 \x1b[31mred\u202e.xlsx"
    assert file_name(name) == printable_name(name) == "caf\\xe9 \\x1b[31mred\\u202e.xlsx"


def test_markdown_code_spans_hold_any_text() -> None:
    from minetrace.app.safe_output import md_code

    assert md_code("decl:acme") == "`decl:acme`"
    assert md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``"
    assert md_code("<img src=x>") == "`<img src=x>`"  # inside a code span nothing is HTML
