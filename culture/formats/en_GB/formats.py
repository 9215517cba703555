"""The product's date formats: one form for a day, a moment and a day of the month, used by
every template as `|date:"DATE_FORMAT"` (and DATETIME_FORMAT, MONTH_DAY_FORMAT), so a
language added later (issue 25) brings its own conventions without touching a template."""

DATE_FORMAT = "j M Y"  # 6 Mar 2027
DATETIME_FORMAT = "j M Y, H:i"  # 6 Mar 2027, 14:05
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j M"  # 6 Mar
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
