"""File names from people's names: every script the forms accept, transliterated whole."""

from __future__ import annotations

import pytest
from supforms.pipeline.names import slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ayşe Yılmaz", "ayse-yilmaz"),  # Turkish dotless i
        ("Łukasz Wiśniewski", "lukasz-wisniewski"),  # Polish
        ("Siân Llŷr ap Gwynfor", "sian-llyr-ap-gwynfor"),  # Welsh
        ("Ахмед Иванов", "akhmed-ivanov"),  # Russian
        ("Ђорђе Јовановић", "djordje-jovanovic"),  # Serbian: was "ore-ovanovi"
        ("Γιώργος Παπαδόπουλος", "giorgos-papadopoulos"),  # Greek, "ου" as said
        ("Zoë Ó Briain", "zoe-o-briain"),
        ("Straße", "strasse"),
        ("", ""),
        ("../../etc/passwd", "etc-passwd"),
    ],
)
def test_a_name_becomes_a_portable_slug(name, expected):
    assert slug(name) == expected


def test_a_slug_is_cut_at_its_limit_without_a_trailing_hyphen():
    assert slug("Anna Maria " * 10, limit=12) == "anna-maria-a"
    assert not slug("ab " * 30, limit=5).endswith("-")
