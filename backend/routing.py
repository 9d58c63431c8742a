"""Who follows a complaint up: derived from its category and location.

The category names the responsible agency (data: backend/data/categories.csv);
the kelurahan where the problem is always follows up first, within 24 hours
(SE Sekda 61/SE/2018), so it is the follow-up office whatever the agency.
"""
from __future__ import annotations

from dataclasses import dataclass

from backend.models import Agency, Category, Office

FOLLOW_UP_DAYS = 7  # the CRM's maximum follow-up time


@dataclass(frozen=True)
class Route:
    agency: Agency
    follow_up_office: Office


def route(category: Category, kelurahan: Office) -> Route:
    return Route(agency=category.agency, follow_up_office=kelurahan)
