"""Five-field crontab expressions, parsed without a scheduler library.

Settings validate their cron strings with ``parse_cron`` and the scheduler
(``pipelines/schedule.py``) builds its triggers from the parsed fields, so both read an expression
the same way and loading settings imports nothing of APScheduler or the job runner.

Read as cron reads it: weekday numbers 0-7 with 0 and 7 both Sunday (APScheduler 3's own
``from_crontab`` counts from Monday = 0), month and weekday names, ranges, lists and steps. Cron
fires when either the day of the month or the weekday matches, APScheduler only when both do, so
restricting both is refused rather than read two ways.
"""

from __future__ import annotations

from dataclasses import dataclass

WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class CronExpression:
    """The values each field matches; ``weekday`` counts from Sunday = 0."""

    minute: tuple[int, ...]
    hour: tuple[int, ...]
    day: tuple[int, ...] | None
    month: tuple[int, ...]
    weekday: tuple[int, ...] | None

    def trigger_fields(self) -> dict[str, str]:
        """The fields as APScheduler's ``CronTrigger`` keywords (weekdays by name, so no numbering mix-up)."""
        return {
            "minute": _listed(self.minute, 0, 59),
            "hour": _listed(self.hour, 0, 23),
            "day": "*" if self.day is None else _listed(self.day, 1, 31),
            "month": _listed(self.month, 1, 12),
            "day_of_week": "*" if self.weekday is None else ",".join(WEEKDAYS[day] for day in self.weekday),
        }


def parse_cron(expression: str) -> CronExpression:
    """The parsed expression; raises ValueError naming the field that is wrong."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday), not {len(fields)}: {expression!r}"
        )
    minute, hour, day, month, weekday = fields
    if day != "*" and weekday != "*":
        raise ValueError(f"restrict the day of the month or the weekday, not both: {expression!r}")
    weekdays = None if weekday == "*" else tuple(sorted({value % 7 for value in _field(weekday, "weekday", 0, 7, WEEKDAYS)}))
    return CronExpression(
        minute=_field(minute, "minute", 0, 59),
        hour=_field(hour, "hour", 0, 23),
        day=None if day == "*" else _field(day, "day", 1, 31),
        month=_field(month, "month", 1, 12, MONTHS, first_name=1),
        weekday=weekdays,
    )


def _field(text: str, name: str, low: int, high: int, names: tuple[str, ...] = (), first_name: int = 0) -> tuple[int, ...]:
    """The sorted values of one field: ``*``, ``a``, ``a-b``, each with an optional ``/step``, comma-listed."""
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"bad step {step!r} in the cron {name} field {text!r}")
        if base == "*":
            first, last = low, high
        else:
            start, dash, end = base.partition("-")
            first = _value(start, name, low, high, names, first_name)
            last = _value(end, name, low, high, names, first_name) if dash else (high if slash else first)
        if first > last:
            raise ValueError(f"the {name} range {base!r} runs backwards in {text!r}")
        values.update(range(first, last + 1, int(step or 1)))
    return tuple(sorted(values))


def _value(token: str, name: str, low: int, high: int, names: tuple[str, ...], first_name: int) -> int:
    token = token.strip().lower()
    if token.isdigit() and low <= int(token) <= high:
        return int(token)
    if names and token in names:
        return names.index(token) + first_name
    named = f" or {names[0]}-{names[-1]}" if names else ""
    raise ValueError(f"bad {name} {token!r} in a cron expression; use {low}-{high}{named}")


def _listed(values: tuple[int, ...], low: int, high: int) -> str:
    if values == tuple(range(low, high + 1)):
        return "*"
    return ",".join(str(value) for value in values)
