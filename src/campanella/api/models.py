"""What the API keeps between requests when there is no Redis: the rate limits' counters."""

from __future__ import annotations

from django.db import models


class RequestCount(models.Model):
    """Requests of one caller (a token's digest or an address) in its current window.

    One row per caller, counted with one `INSERT … ON CONFLICT DO UPDATE` (api.throttle), so
    every process behind the proxy counts in the same row; a new window starts it again.
    """

    bucket = models.CharField(max_length=100, unique=True)
    window_start = models.BigIntegerField(help_text="inizio della finestra, in secondi Unix")
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.window_start}: {self.count}"
