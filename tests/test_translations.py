"""Bahasa Indonesia is the default language: every string must be translated."""
import subprocess
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "kiosk" / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with PO.open("rb") as fh:
        return read_po(fh)


def test_every_message_is_translated_into_indonesian():
    catalog = _catalog()
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []


def test_catalog_holds_every_string_in_the_code():
    """`make messages` was run after the last change to a visible string."""
    method_map = [("backend/**.py", "python"), ("kiosk/**.py", "python"),
                  ("printing/**.py", "python"), ("kiosk/templates/**.html", "jinja2"),
                  ("printing/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    in_code = {msg for _f, _l, msg, _c, _ctx in extract_from_dir(str(ROOT), method_map, keywords=keywords)
               if not any(part.startswith(".") for part in _f.split("/")) and not _f.startswith(".venv")}
    in_code = {m if isinstance(m, str) else m[0] for m in in_code}
    catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    assert sorted(in_code - catalog) == []


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for m in _catalog():
        if m.id and m.string:
            # Plural entries (ngettext) hold tuples: every form keeps the singular's placeholders.
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            for text in (*ids, *strings):
                assert sorted(pattern.findall(ids[0])) == sorted(pattern.findall(text)), m.id
