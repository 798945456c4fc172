"""Moments as the service keeps them: seconds since the epoch. A time given without a zone is read as UTC,
as the server writes its own times."""

from datetime import UTC, datetime

HOUR_S = 3600
DAY_S = 24 * HOUR_S


def epoch_seconds(moment: datetime) -> float:
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


def utc_moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
