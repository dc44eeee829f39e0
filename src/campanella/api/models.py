"""What the API keeps between requests when there is no Redis: the rate limits' counters."""

from __future__ import annotations

from django.db import models


class RequestCount(models.Model):
    """Requests of one caller (a token's digest or an address) in one window of time.

    Incremented with one `INSERT … ON CONFLICT DO UPDATE` (api.throttle), so every process
    behind the proxy counts in the same row; windows that ended are deleted as new ones begin.
    """

    bucket = models.CharField(max_length=100)
    window_start = models.BigIntegerField(help_text="inizio della finestra, in secondi Unix")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="api_count_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.window_start}: {self.count}"
