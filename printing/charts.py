"""Small charts drawn on the server as SVG: no script, no CDN, print as they show.

Each function takes plain (label, value) pairs and returns an SVG string
(the caller marks it safe). The SVG carries role="img" and a <title>; the
numbers are meant to sit beside it in a table for screen readers. Colours
are plain attributes (WeasyPrint reads no var() there); a stylesheet may
override them through the classes chart__bar and chart__label.
"""
from __future__ import annotations

import math
from html import escape

FONT = "font-family=\"'Plus Jakarta Sans', sans-serif\""
_CHAR_WIDTH = 0.62  # a digit or letter's advance, as a share of the font size (generous for Plus Jakarta Sans)


def _fmt(n) -> str:
    return f"{n:,}".replace(",", ".")  # Indonesian digit grouping


def hbars(items, title: str, *, width: int = 560, row: int = 22, label_width: int = 190) -> str:
    """Horizontal bars, one row per item (channels, categories, offices)."""
    items = list(items)
    top = max([v for _l, v in items] + [1])
    height = max(1, len(items)) * row + 8
    bar_space = width - label_width - 60
    parts = [f'<svg class="chart chart--hbars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
             f"<title>{escape(title)}</title>"]
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = 0 if not value else max(2, round(bar_space * value / top))
        text = label if len(label) <= 30 else label[:29] + "…"
        parts.append(f'<text x="{label_width - 6}" y="{y + row * 0.68:.1f}" text-anchor="end" '
                     f'fill="#1b2733">{escape(text)}</text>')
        parts.append(f'<rect class="chart__bar" x="{label_width}" y="{y + 3}" width="{w}" height="{row - 6}" '
                     f'fill="#0b4f6c"/>')
        parts.append(f'<text x="{label_width + w + 5}" y="{y + row * 0.68:.1f}" '
                     f'fill="#1b2733">{_fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(items, title: str, *, width: int = 560, height: int = 170, every: int = 1) -> str:
    """Vertical columns over a sequence (days of a range, the 24 hours);
    every `every`-th label is written under its column, or sparser where
    the labels would otherwise run into each other."""
    items = list(items)
    n = max(1, len(items))
    top = max([v for _l, v in items] + [1])
    left, bottom, plot_h = 34, 22, height - 22 - 16
    step = (width - left - 4) / n
    widest = max([len(str(label)) for label, _v in items] + [1]) * _CHAR_WIDTH * 10 + 6  # at font-size 10
    every = max(every, math.ceil(widest / step))
    bar_w = max(1.0, step * 0.78)
    parts = [f'<svg class="chart chart--columns" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="100%" role="img" aria-label="{escape(title)}" {FONT} font-size="10">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 2}" y2="{height - bottom}" '
             f'stroke="#c9d3dc"/>',
             f'<text x="{left - 4}" y="{16 + 4}" text-anchor="end" fill="#4a5a68">{_fmt(top)}</text>',
             f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" fill="#4a5a68">0</text>']
    for i, (label, value) in enumerate(items):
        h = 0 if not value else max(1.0, plot_h * value / top)
        x = left + i * step + (step - bar_w) / 2
        parts.append(f'<rect class="chart__bar" x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{h:.1f}" fill="#0b4f6c"><title>{escape(label)}: {_fmt(value)}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
                         f'fill="#4a5a68">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
