"""Private calendar feeds (iCalendar) that phones subscribe to."""
