"""The screen font (kiosk/static/vendor/plus-jakarta-sans-variable/) is split in three faces
(scripts/vendor.py, manifest entry "plus-jakarta-sans-variable"):

- core: exactly the characters the UI shows, the only face a page normally downloads;
- latin-rest: the rest of fontsource's "latin" range (é, ü, ©... in a citizen's text);
- latin-ext: fontsource's "latin-ext" range.

These tests keep the core honest: every character the screens can show (templates, both
languages of the catalogue, JavaScript and CSS strings, Python string constants, the seed data
shown on screens) must be in the core face's unicode-range and have a glyph in the core woff2.

A new character in the UI (say "é" in a template) fails these tests. To fix it, add the
character to the core face's "unicodes" in kiosk/static/vendor/manifest.json, run
`.venv/bin/python scripts/vendor.py` (npm registry needed) and commit the regenerated files.
The script refuses a character the font has no glyph for (Plus Jakarta Sans has no "→"): use
another one, or an icon.
"""
from __future__ import annotations

import ast
import html
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = ROOT / "kiosk" / "static" / "vendor" / "plus-jakarta-sans-variable"
CSS = FONT_DIR / "plus-jakarta-sans.css"
MANIFEST = ROOT / "kiosk" / "static" / "vendor" / "manifest.json"
FACES = ("core", "latin-rest", "latin-ext")

# fontsource's own unicode-ranges of the two source files (@fontsource-variable/plus-jakarta-sans
# 5.x, wght.css), which the three faces together must still cover.
FONTSOURCE_LATIN = ("U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+0304,U+0308,"
                    "U+0329,U+2000-206F,U+20AC,U+2122,U+2191,U+2193,U+2212,U+2215,U+FEFF,U+FFFD")
FONTSOURCE_LATIN_EXT = ("U+0100-02BA,U+02BD-02C5,U+02C7-02CC,U+02CE-02D7,U+02DD-02FF,U+0304,U+0308,"
                        "U+0329,U+1D00-1DBF,U+1E00-1E9F,U+1EF2-1EFF,U+2020,U+20A0-20AB,U+20AD-20C0,"
                        "U+2113,U+2C60-2C7F,U+A720-A7FF")


# --------------------------------------------------------------------------- what the UI shows

def _template_text(text: str) -> str:
    """A Jinja/HTML template without its comments, entities decoded (&times; is ×)."""
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    return html.unescape(text)


_JS_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")
# After one of these (or at the start), "/" opens a regular expression, not a division.
_REGEX_BEFORE = set("(,=:[!&|?{};+-*%<>~^") | {""}


def _js_text(src: str) -> str:
    """JavaScript without its comments (strings, template literals and code kept), escapes decoded.

    A small tokenizer: enough to tell a comment from "//" inside a string or a regular expression.
    """
    out, i, n, last = [], 0, len(src), ""
    while i < n:
        c, nxt = src[i], src[i + 1:i + 2]
        if c == "/" and nxt == "/":
            i = src.find("\n", i)
            i = n if i < 0 else i
        elif c == "/" and nxt == "*":
            end = src.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "'\"`" or (c == "/" and last in _REGEX_BEFORE):
            j, in_class = i + 1, False
            while j < n:
                if src[j] == "\\":
                    j += 2
                    continue
                if c == "/" and src[j] == "[":
                    in_class = True
                elif c == "/" and src[j] == "]":
                    in_class = False
                elif src[j] == c and not in_class:
                    break
                elif src[j] == "\n" and c in "'\"/":
                    break  # not a string or regex after all: unterminated on this line
                j += 1
            out.append(src[i:j + 1])
            last, i = "x", j + 1
        else:
            out.append(c)
            if not c.isspace():
                last = c if c in _REGEX_BEFORE else "x"
            i += 1
    text = "".join(out)
    return _JS_ESCAPE.sub(lambda m: chr(int(next(g for g in m.groups() if g), 16)), text)


def _css_text(src: str) -> str:
    """CSS without its comments, hex escapes decoded (content: "\\2192" is →)."""
    text = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    return re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), text)


def _python_strings(src: str) -> str:
    """The string constants of a module, docstrings and comments left out."""
    tree = ast.parse(src)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return "\n".join(node.value for node in ast.walk(tree)
                     if isinstance(node, ast.Constant) and isinstance(node.value, str)
                     and id(node) not in docstrings)


def _catalogue_text(path: Path) -> str:
    """msgid (the English UI) and msgstr (Bahasa Indonesia) of every live message."""
    with path.open("rb") as f:
        catalog = read_po(f)
    parts = []
    for msg in catalog:
        for value in (msg.id, msg.string):
            parts.extend(value if isinstance(value, (list, tuple)) else [value])
    return "\n".join(p for p in parts if p)


def ui_sources() -> dict[str, str]:
    """Source file (relative path) -> the text of it that can appear on a screen."""
    out: dict[str, str] = {}

    def add(paths, fn):
        for p in sorted(paths):
            out[p.relative_to(ROOT).as_posix()] = fn(p.read_text(encoding="utf-8"))

    add((ROOT / "kiosk" / "templates").rglob("*.html"), _template_text)
    # answers.js holds rules, never text to show (check() is handed the page's messages): its
    # character classes name every kind of space and the top of Unicode, none of which is a glyph.
    scripts = [p for p in (ROOT / "kiosk" / "static" / "js").glob("*.js") if p.name != "answers.js"]
    add([*scripts, ROOT / "kiosk" / "sw" / "sw.js"], _js_text)
    add((ROOT / "kiosk" / "static" / "css").glob("*.css"), _css_text)
    add([p for d in ("backend", "kiosk") for p in (ROOT / d).rglob("*.py")], _python_strings)
    add((ROOT / "backend" / "data").glob("*.csv"), lambda t: t)
    for p in sorted((ROOT / "kiosk" / "translations").glob("*/LC_MESSAGES/messages.po")):
        out[p.relative_to(ROOT).as_posix()] = _catalogue_text(p)
    return out


@lru_cache(maxsize=None)
def ui_characters() -> dict[str, set[str]]:
    """Every visible character the UI shows -> the files it comes from. Control characters
    (newline, tab) are layout, not glyphs."""
    chars: dict[str, set[str]] = {}
    for rel, text in ui_sources().items():
        for ch in set(text):
            if unicodedata.category(ch) not in ("Cc", "Cf"):
                chars.setdefault(ch, set()).add(rel)
    return chars


# --------------------------------------------------------------------------- the generated CSS

def parse_range(text: str) -> set[int]:
    cps: set[int] = set()
    for part in text.split(","):
        m = re.fullmatch(r"\s*U\+([0-9A-Fa-f]+)(?:-([0-9A-Fa-f]+))?\s*", part)
        assert m, f"bad unicode-range part {part!r}"
        lo = int(m.group(1), 16)
        cps.update(range(lo, int(m.group(2) or m.group(1), 16) + 1))
    return cps


def css_faces() -> dict[str, dict]:
    """Face name (from the file name) -> {"file", "weight", "display", "range"}."""
    faces = {}
    for body in re.findall(r"@font-face\s*\{(.*?)\}", CSS.read_text(encoding="utf-8"), re.S):
        decl = dict(re.findall(r"([\w-]+):\s*([^;]+);", body))
        file = re.search(r"url\(\./([^)]+)\)", decl["src"]).group(1)
        name = re.fullmatch(r"plus-jakarta-sans-(.+)-wght-normal\.woff2", file).group(1)
        faces[name] = {"file": file, "weight": decl["font-weight"].strip(),
                       "display": decl["font-display"].strip(), "family": decl["font-family"],
                       "range": parse_range(decl["unicode-range"])}
    return faces


def describe(chars) -> str:
    return ", ".join(f"U+{ord(c):04X} {c!r} ({unicodedata.name(c, '?')})" for c in sorted(chars))


# --------------------------------------------------------------------------- tests

def test_css_lists_the_three_faces():
    faces = css_faces()
    assert list(faces) == list(FACES)
    for face in faces.values():
        assert face["weight"] == "400 800"
        assert face["display"] == "swap"
        assert face["family"] == "'Plus Jakarta Sans'"
        assert (FONT_DIR / face["file"]).is_file()


def test_every_character_the_ui_shows_is_in_the_core_face():
    core = css_faces()["core"]
    chars = ui_characters()
    assert len(chars) > 90  # the scan found the UI (ASCII letters, digits, punctuation...)
    missing = {ch: srcs for ch, srcs in chars.items() if ord(ch) not in core["range"]}
    assert not missing, (
        "characters shown by the UI but not in the core screen font: "
        + "; ".join(f"{describe([ch])} in {', '.join(sorted(srcs)[:3])}"
                    for ch, srcs in sorted(missing.items()))
        + ". Add them to the core face's unicodes in kiosk/static/vendor/manifest.json and run "
          "`.venv/bin/python scripts/vendor.py`.")
    cmap = TTFont(FONT_DIR / core["file"]).getBestCmap()
    no_glyph = [ch for ch in chars if ord(ch) not in cmap]
    assert not no_glyph, f"no glyph in {core['file']} for {describe(no_glyph)}"


def test_core_face_is_no_more_than_the_ui_needs():
    """The core range is the manifest's list; nothing in it is unused (a removed character
    should leave the core, or the first load carries glyphs nobody sees)."""
    core = css_faces()["core"]["range"]
    used = {ord(c) for c in ui_characters()}
    ascii_printable = set(range(0x20, 0x7F))
    unused = sorted(core - used - ascii_printable)
    assert not unused, f"core face has characters the UI no longer shows: {describe(map(chr, unused))}"


def test_core_glyphs_match_its_unicode_range():
    face = css_faces()["core"]
    cmap = TTFont(FONT_DIR / face["file"]).getBestCmap()
    assert set(cmap) == face["range"]


def test_faces_do_not_overlap_and_cover_fontsource():
    faces = css_faces()
    seen: set[int] = set()
    for name in FACES:
        overlap = seen & faces[name]["range"]
        assert not overlap, f"{name} overlaps an earlier face: {sorted(map(hex, overlap))[:10]}"
        seen |= faces[name]["range"]
    assert seen == parse_range(FONTSOURCE_LATIN) | parse_range(FONTSOURCE_LATIN_EXT)


def test_each_face_has_glyphs_only_in_its_range():
    for face in css_faces().values():
        cmap = TTFont(FONT_DIR / face["file"]).getBestCmap()
        assert cmap and set(cmap) <= face["range"], face["file"]


@pytest.mark.parametrize("name", FACES)
def test_each_face_is_variable_400_to_800(name):
    font = TTFont(FONT_DIR / css_faces()[name]["file"])
    assert font.flavor == "woff2"
    axes = {a.axisTag: (a.minValue, a.defaultValue, a.maxValue) for a in font["fvar"].axes}
    assert axes == {"wght": (400, 400, 800)}
    assert "gvar" in font  # still variable: one file for every weight


def test_core_keeps_the_opentype_features():
    """font-variant-numeric: tabular-nums (app.css) needs tnum; ligatures, fractions..."""
    font = TTFont(FONT_DIR / css_faces()["core"]["file"])
    tags = {r.FeatureTag for r in font["GSUB"].table.FeatureList.FeatureRecord}
    assert {"tnum", "liga", "calt", "frac"} <= tags
    assert "GPOS" in font  # kerning


def test_manifest_core_list_is_the_css_range():
    """The build is reproducible from the manifest: its explicit core list is the CSS range."""
    pkg = next(p for p in json.loads(MANIFEST.read_text(encoding="utf-8"))["packages"]
               if p["id"] == "plus-jakarta-sans-variable")
    core = next(f["subset"] for f in pkg["files"] if f.get("subset", {}).get("face") == "core")
    listed = set()
    for item in core["unicodes"]:
        listed |= parse_range(item.split()[0])
    assert listed == css_faces()["core"]["range"]


def test_scan_sees_a_new_character(tmp_path, monkeypatch):
    """The scan itself: a template with a new character, a JS comment and a JS string."""
    assert "→" in _template_text("<p>Lanjut &rarr;</p>")
    assert "→" not in _template_text("{# → #}<!-- → --><p>x</p>")
    js = "// § comment\nconst a = \"https://x/→\"; /* ¶ */ const r = /[\"']/g; const b = '\\u2192';"
    text = _js_text(js)
    assert "→" in text and "§" not in text and "¶" not in text and text.count("\u2192") == 2
    assert "›" in _css_text('li::before { content: "\\203A"; } /* ¶ */') and "¶" not in _css_text("/* ¶ */")
    assert _python_strings('"""Doc ¶."""\nx = "–"  # §\n') == "–"
