"""Values wrap as a person would write them: between words, then after a hyphen."""

from __future__ import annotations

import pytest
from supforms.forms.fonts import field_font
from supforms.forms.writing.appearance import wrap_text

NAME = "Anne-Marie Featherstonehaugh-Cholmondeley"


def _width(text: str) -> float:
    return field_font().width(text, 9)


def test_a_hyphenated_name_breaks_at_its_hyphen_not_mid_word():
    width = _width("Featherstonehaugh-") + 1  # room for one half of the surname
    lines = wrap_text(field_font(), NAME, width, 9)
    assert lines == ["Anne-Marie", "Featherstonehaugh-", "Cholmondeley"]
    assert all(_width(line) <= width for line in lines)


@pytest.mark.parametrize("text", ["2026-03-01", "SF-2026-0F3A-91BC", "x - y", "Anne-Marie"])
def test_what_is_not_two_hyphenated_words_keeps_together_when_it_fits(text):
    assert wrap_text(field_font(), text, _width(text) + 1, 9) == [text]


def test_a_date_is_never_broken_at_its_hyphens():
    # Hyphens between digits are not word breaks: a date too wide breaks as one word does.
    lines = wrap_text(field_font(), "On 2026-03-01 we met", _width("On 2026-03") + 1, 9)
    assert "2026-03-01" in lines
