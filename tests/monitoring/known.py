"""A small dataset with exact, hand-counted figures (tests reuse it)."""
from __future__ import annotations

from datetime import datetime, timedelta

from backend.monitoring import synthetic
from backend.workdays import WIB

# "Now" for every figure: Tuesday 17 November 2026, 12:00 WIB.
NOW = datetime(2026, 11, 17, 12, 0, tzinfo=WIB)
MONTH = (datetime(2026, 11, 1).date(), datetime(2026, 11, 30).date())


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB)


def build() -> dict:
    """Nine complaints in November 2026 and two in October (outside the month):

    #  office  channel    category     submitted (WIB)   CRM        ack     closed after
    1  0101    kiosk      JALAN_RUSAK  2 Nov 08:00       delivered  10 min  3 days
    2  0101    kiosk      JALAN_RUSAK  2 Nov 09:30       delivered  20 min  9 days (late)
    3  0101    phone      SAMPAH*      3 Nov 20:00 (out) delivered  30 min  -  (open, > 7 days)
    4  0102    desk       JALAN_RUSAK  3 Nov 10:00       delivered  40 min  -  (open, > 7 days)
    5  0102    telephone  SAMPAH*      16 Nov 14:00      manual     -       -  (open, within limit)
    6  0100    letter     JALAN_RUSAK  16 Nov 10:00      given_up   -       -
    7  0601    kiosk      SAMPAH*      4 Nov 08:15       delivered  50 min  2 days
    8  0601    phone      JALAN_RUSAK  5 Nov 21:00 (out) pending    -       -  (open, > 7 days)
    9  0000    desk       SAMPAH*      17 Nov 07:00 (out) delivered 60 min  -
    10 0101    kiosk      JALAN_RUSAK  31 Oct 10:00      (outside the month: delivered, ack 5 min, open)
    11 0102    phone      JALAN_RUSAK  6 Oct 09:00       (outside the month: delivered, ack 15 min,
                                                          closed after 2 days)

    Figures for November, city-wide (see tests/monitoring/test_dashboard.py).
    """
    from sqlalchemy import select

    from backend.extensions import db
    from backend.models import Category

    ctx = synthetic.Context.load()
    other = db.session.scalars(select(Category.code).where(Category.code != "JALAN_RUSAK").order_by(Category.code)).first()
    j = "JALAN_RUSAK"
    m = timedelta(minutes=1)
    d = timedelta(days=1)
    spec = [
        ("0101", "kiosk", j, at(2, 8), "delivered", 10 * m, 3 * d, {}),
        ("0101", "kiosk", j, at(2, 9, 30), "delivered", 20 * m, 9 * d, {}),
        ("0101", "phone", other, at(3, 20), "delivered", 30 * m, None,
         dict(reporter_name="Budi Santoso", reporter_phone="081234567890", reporter_email="budi@example.id")),
        ("0102", "desk", j, at(3, 10), "delivered", 40 * m, None, {}),
        ("0102", "telephone", other, at(16, 14), "manual", None, None, {}),
        ("0100", "letter", j, at(16, 10), "given_up", None, None, {}),
        ("0601", "kiosk", other, at(4, 8, 15), "delivered", 50 * m, 2 * d, {}),
        ("0601", "phone", j, at(5, 21), "pending", None, None,
         dict(identity="anonymous", reporter_name="Rahasia Sekali")),
        ("0000", "desk", other, at(17, 7), "delivered", 60 * m, None, {}),
        ("0101", "kiosk", j, datetime(2026, 10, 31, 10, tzinfo=WIB), "delivered", 5 * m, None, {}),
        ("0102", "phone", j, datetime(2026, 10, 6, 9, tzinfo=WIB), "delivered", 15 * m, 2 * d, {}),
    ]
    pairs = [synthetic.complaint_row(ctx, office_code=o, channel=ch, category_code=c, submitted_at=s, state=st,
                                     forwarded_after=fw, closed_after=cl, **extra)
             for o, ch, c, s, st, fw, cl, extra in spec]
    synthetic.insert_complaints(pairs)
    return {"other": other, "numbers": [p[0]["number"] for p in pairs]}
