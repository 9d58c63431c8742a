#!/usr/bin/env python3
"""Make the installed app's icons from the brand mark (kiosk/static/img/favicon.svg).

    .venv/bin/python scripts/make_icons.py           # write kiosk/static/img/app-*.png
    .venv/bin/python scripts/make_icons.py --check   # exit 1 if the PNGs differ from a fresh run

The mark is a rounded square with a house drawn in strokes. This script reads
the square's colour and corner radius and the stroked path (M/L/H/V commands,
absolute or relative) from the SVG and draws them with Pillow at 8x, then
scales down (anti-aliasing), so the PNGs are the same bytes on every run with
the same Pillow. Three files, as the web app manifest lists them:

- app-192.png, app-512.png: the rounded square ("any" purpose);
- app-maskable-512.png: full-bleed colour, the house shrunk into the central
  80 % circle that every launcher mask keeps ("maskable" purpose).
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "kiosk" / "static" / "img" / "favicon.svg"
OUT = ROOT / "kiosk" / "static" / "img"
SS = 8  # supersampling factor
MASKABLE_SCALE = 0.8  # the safe zone of a maskable icon is the central 80 % circle


def parse_mark(svg_path: Path) -> dict:
    ns = {"s": "http://www.w3.org/2000/svg"}
    root = ET.parse(svg_path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    rect = root.find("s:rect", ns)
    path = root.find("s:path", ns)
    return {
        "size": vb[2],
        "fill": rect.get("fill"),
        "rx": float(rect.get("rx", 0)),
        "stroke": path.get("stroke"),
        "stroke_width": float(path.get("stroke-width")),
        "subpaths": parse_path(path.get("d")),
    }


def parse_path(d: str) -> list[list[tuple[float, float]]]:
    """Polylines of an SVG path made of M/L/H/V (and lower-case) commands."""
    tokens = re.findall(r"[MLHVmlhv]|-?\d*\.?\d+", d)
    subpaths: list[list[tuple[float, float]]] = []
    x = y = 0.0
    cmd = None
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            continue
        rel = cmd.islower()
        c = cmd.upper()
        if c in "ML":
            dx, dy = float(tokens[i]), float(tokens[i + 1])
            i += 2
            x, y = (x + dx, y + dy) if rel else (dx, dy)
            if c == "M":
                subpaths.append([(x, y)])
                cmd = "l" if rel else "L"  # further pairs after M are lines
                continue
        elif c == "H":
            v = float(tokens[i])
            i += 1
            x = x + v if rel else v
        elif c == "V":
            v = float(tokens[i])
            i += 1
            y = y + v if rel else v
        else:
            raise ValueError(f"unsupported path command {cmd!r}")
        subpaths[-1].append((x, y))
    return subpaths


def draw(mark: dict, px: int, *, maskable: bool) -> Image.Image:
    big = px * SS
    unit = big / mark["size"]
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if maskable:
        d.rectangle((0, 0, big, big), fill=mark["fill"])
        scale = MASKABLE_SCALE
    else:
        d.rounded_rectangle((0, 0, big - 1, big - 1), radius=mark["rx"] * unit, fill=mark["fill"])
        scale = 1.0
    centre = mark["size"] / 2

    def at(p):
        return ((centre + (p[0] - centre) * scale) * unit, (centre + (p[1] - centre) * scale) * unit)

    width = mark["stroke_width"] * scale * unit
    r = width / 2
    for sub in mark["subpaths"]:
        pts = [at(p) for p in sub]
        d.line(pts, fill=mark["stroke"], width=round(width), joint="curve")
        for x, y in (pts[0], pts[-1]):  # round line caps
            d.ellipse((x - r, y - r, x + r, y + r), fill=mark["stroke"])
    return img.resize((px, px), Image.Resampling.LANCZOS)


def render() -> dict[str, bytes]:
    mark = parse_mark(SOURCE)
    out = {}
    for name, px, maskable in (("app-192.png", 192, False), ("app-512.png", 512, False),
                               ("app-maskable-512.png", 512, True)):
        img = draw(mark, px, maskable=maskable)
        if maskable:
            img = img.convert("RGB")  # a maskable icon is opaque
        buf = io.BytesIO()
        img.save(buf, "PNG", optimize=True)
        out[name] = buf.getvalue()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the files on disk")
    args = ap.parse_args(argv)
    stale = []
    for name, data in render().items():
        path = OUT / name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(name)
        elif not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")
    if stale:
        print("stale: " + ", ".join(stale) + " (run scripts/make_icons.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
