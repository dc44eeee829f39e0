"""Periodic job of the API (lib/periodic.py finds this module): the rate limits' ended
windows leave the database (api.throttle; with Redis they expire by themselves)."""

from __future__ import annotations

import datetime
import time

from campanella.api.throttle import forget_ended_windows
from campanella.lib import periodic


@periodic.register("contatori-api-scaduti", every=datetime.timedelta(minutes=10))
def forget_rate_limit_windows() -> None:
    forget_ended_windows(time.time())
