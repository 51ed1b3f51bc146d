import json

import pytest

from tui.safe_text import CELL_LIMIT, JsonTooComplex, cell, clean, load_json, pretty_json, safe

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


@pytest.mark.parametrize("char", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
                                  "\u2068", "\u2069", "\u200e", "\u200f", "\u061c"])
def test_bidi_controls_are_shown_not_obeyed(char: str) -> None:
    assert clean(f"invoice{char}fdp.exe") == f"invoice⟨U+{ord(char):04X}⟩fdp.exe"
    assert char not in clean(char, multiline=True) and char not in cell(char).plain


@pytest.mark.parametrize("char", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_shown(char: str) -> None:
    # "admin" and "ad\u200bmin" look the same on screen; they must not
    assert clean(f"ad{char}min") == f"ad⟨U+{ord(char):04X}⟩min"


def test_line_separators_and_lone_surrogates_are_shown() -> None:
    assert clean("a\u2028b\u2029c") == "a⟨U+2028⟩b⟨U+2029⟩c"
    shown = clean(json.loads('"bad \\ud800 surrogate"'))
    assert shown == "bad ⟨U+D800⟩ surrogate"
    shown.encode("utf-8")  # printable to any UTF-8 terminal or pipe


def test_ordinary_text_is_untouched() -> None:
    line = "2026-11-22T03:00:00Z INFO GET /cart 200 41ms é 漢字 🚨 emoji ZWJ-free"
    assert clean(line) == line


def test_json_is_indented_unless_too_deep_or_too_large() -> None:
    assert pretty_json('{"a": [1]}') == '{\n  "a": [\n    1\n  ]\n}'
    assert pretty_json("not json") is None and pretty_json("") is None
    assert pretty_json("[" * 4_000 + "]" * 4_000) is None  # json itself would hit the recursion limit
    assert pretty_json('{"a":' * 4_000 + "1" + "}" * 4_000) is None
    assert pretty_json("[" * 100 + "]" * 100) is None  # parses, but deeper than is worth indenting
    assert pretty_json("[" * 10 + "]" * 10) is not None
    assert pretty_json(json.dumps({"k": "v" * 2_000}), limit=1_000) is None
    with pytest.raises(JsonTooComplex):
        load_json("[" * 4_000)
    with pytest.raises(ValueError):
        load_json("{nope")
