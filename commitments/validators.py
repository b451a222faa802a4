"""Bounds every date the product accepts from outside (filters, report dates, target and publication
dates): 1900-01-01 to 2200-12-31. Policy documents and their evidence fall well inside; a date such
as 9999-12-31 or 0001-01-01 is a typo or a probe, and near the ends of the calendar a report's "end
of that day" would overflow."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2200, 12, 31)
DATE_RANGE_MESSAGE = f"A date from {EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}."

DATE_RANGE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, message=DATE_RANGE_MESSAGE),
    MaxValueValidator(LATEST_DATE, message=DATE_RANGE_MESSAGE),
]
