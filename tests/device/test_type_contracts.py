"""Declarations made for the type checkers stay true to the code they describe."""

from firmware import settings


def test_settings_annotations_match_the_spec():
    declared = settings.Settings.__annotations__
    spec = {row[1]: row for row in settings.SPEC}
    assert set(declared) == set(spec)
    kinds = {settings.INT: "int", settings.WORD: "str"}
    for attr, row in spec.items():
        assert declared[attr] in (kinds[row[2]], {"int": int, "str": str}[kinds[row[2]]]), attr
        assert type(getattr(settings.Settings(), attr)).__name__ == kinds[row[2]]
