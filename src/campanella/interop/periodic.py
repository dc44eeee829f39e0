"""Periodic jobs of the exchange with the back-office (lib/periodic.py finds this module): the
nightly files where the office scheduled them (interop.nightly), and a
background import whose worker died is queued again once its lease has expired."""

from __future__ import annotations

import datetime

from campanella.interop.nightly import run_every_institute
from campanella.interop.sync_jobs import resume_stalled
from campanella.lib import periodic


@periodic.register("riprendi-importazioni", every=datetime.timedelta(minutes=1))
def resume_stalled_imports() -> None:
    resume_stalled()


@periodic.register("esportazione-notturna", daily_at=datetime.time(2, 30))
def nightly_files() -> None:
    run_every_institute()
