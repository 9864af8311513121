"""Time as the project counts it: moments in UTC, days in Shanghai (numbers, figures, what staff
and merchants are shown)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Callable

# China has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def shanghai_date(moment: datetime) -> date:
    """The Shanghai day of an aware moment."""
    return moment.astimezone(SHANGHAI).date()


def shanghai_day(moment: datetime) -> str:
    """The Shanghai day of an aware moment as YYYYMMDD (the date inside ZX and RG numbers)."""
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d")


def shanghai_today(clock: Clock = utc_now) -> date:
    return shanghai_date(clock())
