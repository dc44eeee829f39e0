"""Periodic job of the exchange with the back-office (lib/periodic.py finds this module): a
background import whose worker died is queued again once its lease has expired."""

from __future__ import annotations

import datetime

from campanella.interop.sync_jobs import resume_stalled
from campanella.lib import periodic


@periodic.register("riprendi-importazioni", every=datetime.timedelta(minutes=1))
def resume_stalled_imports() -> None:
    resume_stalled()
