"""What a report covers: a half-open UTC interval [since, until), optionally one tenant, and its days."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    tenant: str | None = None

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("since and until must carry a time zone")
        if self.since >= self.until:
            raise ValueError(f"since ({self.since.isoformat()}) must be before until ({self.until.isoformat()})")

    def days(self) -> list[date]:
        """Every UTC day the period touches, so a day without data still gets its slot."""
        first, last = self.since.astimezone(UTC).date(), (self.until - timedelta(microseconds=1)).astimezone(UTC).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    def as_dict(self) -> dict:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "tenant": self.tenant}


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period_from(since: datetime | None, until: datetime | None, days: int, tenant: str | None = None,
                now: datetime | None = None) -> Period:
    """`until` defaults to now, `since` to `days` before `until`; naive instants are read as UTC."""
    end = as_utc(until) if until else (now or datetime.now(UTC))
    start = as_utc(since) if since else end - timedelta(days=days)
    return Period(start, end, tenant or None)
