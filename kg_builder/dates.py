"""EDTF dates (levels 0 and 1) and their earliest/latest calendar bounds."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PART = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qual>[?~%])?$")


# EDTF level 1 seasons (northern hemisphere): spring, summer, autumn, winter.
SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}


class DateError(ValueError):
    """An EDTF string that is malformed or names a day that does not exist."""


@dataclass(frozen=True)
class DateBounds:
    """A curated EDTF value with its earliest and latest possible days."""

    edtf: str
    earliest: date | None
    latest: date | None


def _part_bounds(text: str) -> tuple[date, date]:
    match = _PART.match(text)
    if not match:
        raise DateError(f"'{text}' is not an EDTF date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match["year"])
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31)
    if month in SEASONS and day is None:
        first, last_month = SEASONS[month]
        end_year = year + 1 if last_month < first else year
        return (date(year, first, 1),
                date(end_year, last_month, calendar.monthrange(end_year, last_month)[1]))
    if not 1 <= month <= 12:
        raise DateError(f"'{text}' has month {month}; months run from 01 to 12 "
                        "(21-24 for spring, summer, autumn, winter)")
    last = calendar.monthrange(year, month)[1]
    if day is None:
        return date(year, month, 1), date(year, month, last)
    if not 1 <= day <= last:
        raise DateError(f"'{text}' names day {day}, but that month has {last} days")
    return date(year, month, day), date(year, month, day)


def parse_edtf(text: str) -> DateBounds:
    """Parse an EDTF date or interval; open interval ends have no bound."""
    text = text.strip()
    if "/" not in text:
        low, high = _part_bounds(text)
        return DateBounds(text, low, high)
    start, _, end = text.partition("/")
    earliest = None if start in ("", "..") else _part_bounds(start)[0]
    latest = None if end in ("", "..") else _part_bounds(end)[1]
    if earliest is None and latest is None:
        raise DateError(f"'{text}' is open at both ends; give at least one date")
    if earliest and latest and earliest > latest:
        raise DateError(f"'{text}' ends before it starts; swap the two dates")
    return DateBounds(text, earliest, latest)
