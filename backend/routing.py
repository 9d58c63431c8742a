"""Who follows a complaint up: derived from its category and location, by rules kept as data.

- The responsible agency is the category's agency (backend/data/categories.csv,
  column agency_code), unless a rule in backend/data/routing.csv names another
  agency for that category in the complaint's kecamatan or kelurahan. The most
  specific rule wins: a kelurahan rule over a kecamatan rule over the default.
- The kelurahan where the problem is always follows up first, within 24 hours
  (SE Sekda 61/SE/2018), so it is the follow-up office whatever the agency.

routing.csv columns: category_code, area_code (a Kemendagri kecamatan code such
as 31.74.01 or kelurahan code such as 31.74.01.1001; empty = everywhere),
agency_code (from agencies.csv), note. Lines starting with # are comments.
The file is re-read when it changes; `check_rules` reports rows that refer to
unknown categories, areas or agencies.
"""
from __future__ import annotations

import csv
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from backend.extensions import db
from backend.models import Agency, Category, Office

FOLLOW_UP_DAYS = 7  # the CRM's maximum follow-up time
DEFAULT_RULES = Path(__file__).parent / "data" / "routing.csv"


@dataclass(frozen=True)
class Route:
    agency: Agency
    follow_up_office: Office


@dataclass(frozen=True)
class Rule:
    category_code: str
    area_code: str  # "" for everywhere
    agency_code: str
    line: int = 0

    def matches(self, kemendagri_code: str) -> bool:
        return not self.area_code or kemendagri_code == self.area_code or kemendagri_code.startswith(self.area_code + ".")

    @property
    def specificity(self) -> int:
        return self.area_code.count(".") + 1 if self.area_code else 0


def read_rules(path: str | os.PathLike) -> list[Rule]:
    with open(path, newline="", encoding="utf-8") as fh:
        lines = [(n, line) for n, line in enumerate(fh, start=1) if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(line for _n, line in lines)
    rules = []
    for (n, _line), row in zip(lines[1:], reader):
        rules.append(Rule(
            category_code=(row.get("category_code") or "").strip(),
            area_code=(row.get("area_code") or "").strip(),
            agency_code=(row.get("agency_code") or "").strip(),
            line=n,
        ))
    return rules


_cache: dict[str, tuple[int, dict[str, list[Rule]]]] = {}
_cache_lock = threading.Lock()


def _rules_by_category(path: str) -> dict[str, list[Rule]]:
    try:
        mtime = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return {}
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[0] == mtime:
            return hit[1]
        by_category: dict[str, list[Rule]] = {}
        for rule in read_rules(path):
            by_category.setdefault(rule.category_code, []).append(rule)
        for rules in by_category.values():
            rules.sort(key=lambda r: -r.specificity)  # most specific first
        _cache[path] = (mtime, by_category)
        return by_category


def _rules_path() -> str:
    return str(current_app.config.get("ROUTING_RULES_PATH") or DEFAULT_RULES)


def route(category: Category, kelurahan: Office) -> Route:
    agency = category.agency
    for rule in _rules_by_category(_rules_path()).get(category.code, ()):
        if rule.matches(kelurahan.kemendagri_code):
            found = db.session.execute(select(Agency).filter_by(code=rule.agency_code)).scalar_one_or_none()
            if found is not None:  # an unknown agency is reported by check_rules, never fatal
                agency = found
            break
    return Route(agency=agency, follow_up_office=kelurahan)


def check_rules(path: str | os.PathLike | None = None) -> list[str]:
    """Problems in the rules file, as readable lines (empty when all is well)."""
    path = path or _rules_path()
    categories = set(db.session.scalars(select(Category.code)))
    agencies = set(db.session.scalars(select(Agency.code)))
    areas = set(db.session.scalars(select(Office.kemendagri_code)))
    problems = []
    seen = set()
    for rule in read_rules(path):
        where = f"{Path(path).name}:{rule.line}"
        if rule.category_code not in categories:
            problems.append(f"{where}: unknown category {rule.category_code!r}")
        if rule.area_code and rule.area_code not in areas:
            problems.append(f"{where}: unknown area {rule.area_code!r}")
        if rule.agency_code not in agencies:
            problems.append(f"{where}: unknown agency {rule.agency_code!r}")
        if (rule.category_code, rule.area_code) in seen:
            problems.append(f"{where}: a second rule for {rule.category_code} in {rule.area_code or 'everywhere'}")
        seen.add((rule.category_code, rule.area_code))
    return problems
