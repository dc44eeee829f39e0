"""Imports written row by row through the register's and grades' services.

Grades and attendance are legal records: each row is written by the same service a teacher's
page calls (with its checks, its history and the write guard of closed days), never in bulk
around them. A service's refusal becomes a problem on the row's line; the rows are all written
or none (the caller's transaction is rolled back when any row is refused).

The preview rehearses the same writes and undoes them, so that it lists every refusal the
services would make — a closed day, a holiday, a teacher without that subject — before the
office confirms: what the preview promises is what the apply does, on the same code path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from campanella.audit.concurrency import AlreadyChanged
from campanella.grades.services import NotAllowed as GradeNotAllowed
from campanella.interop.plan import Plan, RowsRefused
from campanella.interop.tabular import Problem
from campanella.people.models import User
from campanella.register.services import NotAllowed as RegisterNotAllowed

# One row's writes: the service calls, as `user`; returns what it wrote, by kind.
RowWrite = Callable[[User], dict[str, int]]


def refusal(error: Exception) -> str | None:
    """The Italian message of a service's refusal, or None for anything else (a bug)."""
    if isinstance(error, ValidationError):
        return " ".join(str(message) for message in error.messages)
    if isinstance(error, AlreadyChanged):
        return error.message
    if isinstance(error, GradeNotAllowed | RegisterNotAllowed):
        return _(
            "il registro non consente questa scrittura (l'alunno non è nella classe in quel "
            "giorno, o il docente non ha la cattedra): controllare la riga"
        )
    if isinstance(error, IntegrityError):
        return _(
            "il registro è cambiato mentre si importava (un'altra modifica contemporanea): "
            "riprovare"
        )
    return None


@dataclass
class ServiceWrites:
    """The rows to write, each with its line, as the office `user` (None: nobody can write)."""

    user: User | None
    rows: list[tuple[int, RowWrite]] = field(default_factory=list)

    def add(self, line: int, write: RowWrite) -> None:
        self.rows.append((line, write))

    def __len__(self) -> int:
        return len(self.rows)

    def apply(self) -> dict[str, int]:
        """Every row through its services, each in a savepoint so that one refusal does not
        hide the next; RowsRefused with every refused line if any was (the caller's
        transaction must then be rolled back: the rows written before stay unwritten)."""
        if self.user is None:
            raise RowsRefused([Problem(None, _("Solo la segreteria può importare questi dati."))])
        written: Counter[str] = Counter()
        problems: list[Problem] = []
        for line, write in self.rows:
            try:
                with transaction.atomic():
                    written.update(write(self.user))
            except Exception as error:
                message = refusal(error)
                if message is None:
                    raise
                problems.append(Problem(line, message))
        if problems:
            raise RowsRefused(problems)
        return dict(written)


@runtime_checkable
class Rehearsable(Protocol):
    """Writes of legal records, rehearsed for the preview (ServiceWrites, the attendance's
    BulkWrites): how many rows they write."""

    def __len__(self) -> int: ...

    def apply(self) -> dict[str, int]: ...


def rehearse(plan: Plan) -> None:
    """Write the plan's rows and undo them, adding to the plan every refusal of the services.
    Nothing is kept: the transaction (a savepoint inside a caller's) is always rolled back."""
    writes = plan.writes
    if not isinstance(writes, Rehearsable) or not len(writes):
        return
    try:
        with transaction.atomic():
            writes.apply()
            transaction.set_rollback(True)
    except RowsRefused as refused:
        plan.refuse(refused.problems)
