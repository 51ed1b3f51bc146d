from tui.safe_text import CELL_LIMIT, cell, clean, safe

NASTY = "[bold]x[/] \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m bell\x07 back\x08 cr\r 漢字 🚨"


def test_markup_is_literal() -> None:
    assert safe("[bold]x[/]").plain == "[bold]x[/]"
    assert safe("[bold]x[/]").spans == []


def test_escape_sequences_are_removed() -> None:
    text = clean(NASTY)
    assert "\x1b" not in text and "\x07" not in text and "\x08" not in text and "\r" not in text
    assert "pwned" not in text  # the OSC window title payload is dropped with its sequence
    assert "red" in text and "[bold]x[/]" in text
    assert "\\x08" in text  # a lone control character is shown escaped, not obeyed


def test_eight_bit_controls_are_removed() -> None:
    assert clean("a\x9b2Jb\x9d0;t\x9cc") == "abc"


def test_long_lines_are_cut_with_a_marker() -> None:
    line = "A" * 20_000
    assert len(cell(line).plain) < CELL_LIMIT + 20
    assert cell(line).plain.endswith("[+19,920 chars]")
    assert safe(line).plain.startswith("A" * 100)


def test_wide_characters_survive() -> None:
    assert clean("漢字 🚨") == "漢字 🚨"
    assert cell("漢字" * 100).cell_len <= 2 * CELL_LIMIT + 20


def test_newlines_and_tabs() -> None:
    assert clean("a\nb\tc") == "a ⏎ b    c"
    assert clean("a\nb", multiline=True) == "a\nb"


def test_none_and_numbers() -> None:
    assert clean(None) == "" and clean(137) == "137"
