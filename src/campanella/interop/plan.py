"""What an import would do: one outcome per row, every problem, and the writes to perform.

A plan is computed from the file and the database as they are now, without writing anything;
the apply step computes it again inside its transaction and performs `writes` only if the plan
has no problem at all (all or nothing).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model
from django.utils.translation import gettext as _

from campanella.interop.columns import Header, match_header, row_values
from campanella.interop.tabular import Cell, Problem, Sheet, SheetRow
from campanella.interop.values import BadValueError

T = TypeVar("T")

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"
# Differs from what the register holds (what teachers recorded): listed, never applied, and no
# reason to refuse the other rows.
CONFLICT = "conflict"
ACTIONS = (CREATED, UPDATED, UNCHANGED, REJECTED, CONFLICT)


class RowsRefused(Exception):
    """Raised by `Writes.apply` before writing anything when rows are refused under lock (a day
    closed by a locked evaluation meanwhile): the import reports them on their lines."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


class Writes(Protocol):
    def apply(self) -> dict[str, int]:
        """Perform the writes; return how many records of each kind were created or changed."""
        ...


@dataclass
class RowOutcome:
    line: int
    action: str
    label: str
    details: list[str] = field(default_factory=list)


@dataclass
class Plan:
    kind: str
    description: str = ""
    notices: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    writes: Writes | None = None
    # Distinct students of the file the institute does not have (their rows are refused).
    unknown_students: set[str] = field(default_factory=set)
    # Outcomes counted but not kept (a big file keeps only the first rows of each action).
    omitted: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and self.writes is not None

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(ACTIONS, 0)
        for row in self.rows:
            counts[row.action] += 1
        for action, count in self.omitted.items():
            counts[action] += count
        return counts

    def summary(self) -> dict[str, object]:
        summary: dict[str, object] = {
            "rows": len(self.rows) + sum(self.omitted.values()),
            "problems": len(self.problems),
            **self.counts(),
        }
        if self.unknown_students:
            summary["unknown_students"] = len(self.unknown_students)
        return summary

    def refuse(self, problems: list[Problem]) -> None:
        """Problems found when writing (RowsRefused): the rows on their lines are refused."""
        self.problems.extend(problems)
        by_line: dict[int, list[str]] = {}
        for problem in problems:
            if problem.line is not None:
                by_line.setdefault(problem.line, []).append(problem.message)
        for row in self.rows:
            if row.line in by_line:
                row.action = REJECTED
                row.details = by_line[row.line]

    def sorted_problems(self) -> list[Problem]:
        return sorted(self.problems, key=lambda problem: problem.sort_key)


def start_plan(kind: str, sheet: Sheet) -> tuple[Plan, Header | None]:
    """A plan carrying the file's own problems, and the matched header if the file is readable."""
    plan = Plan(kind=kind, description=sheet.description, notices=list(sheet.notices))
    header = match_header(kind, sheet.header) if sheet.header else None
    plan.problems.extend(header.problems if header else [])
    plan.problems.extend(sheet.problems)
    if plan.problems:
        return plan, None
    return plan, header


class RowCheck:
    """Collects the problems of one row; `parse` turns BadValueError into a problem."""

    messages: list[str]

    def __init__(self, row: SheetRow, header: Header, width: int) -> None:
        self.line = row.line
        values = header.values_of(row.cells, width)
        if values is not None:  # the usual row: every cell, none extra
            self.values, self.messages = values, []
            return
        self.values, extra = row_values(row, header.positions, width)
        self.messages = [extra] if extra else []

    def cell(self, column: str) -> Cell:
        return self.values.get(column, "")

    def add(self, message: str, column: str = "") -> None:
        self.messages.append(f"«{column}»: {message}" if column else message)

    def parse(self, column: str, parser: Callable[[Cell], T]) -> T | None:
        try:
            return parser(self.cell(column))
        except BadValueError as error:
            self.add(str(error), column)
            return None

    def model_errors(
        self, error: ValidationError, columns: Mapping[str, str], prefix: str = ""
    ) -> None:
        """Turn a model's ValidationError (full_clean) into problems named by column."""
        for field_name, messages in error.message_dict.items():
            column = "" if field_name == NON_FIELD_ERRORS else columns.get(field_name, field_name)
            for message in messages:
                self.add(message, f"{prefix}{column}" if column else "")

    def reject(self, plan: Plan, label: str) -> None:
        plan.rows.append(RowOutcome(self.line, REJECTED, label, list(self.messages)))
        plan.problems.extend(Problem(self.line, message) for message in self.messages)


def check_model(check: RowCheck, obj: Model, columns: Mapping[str, str], prefix: str = "") -> None:
    """full_clean without the queries (foreign keys and uniqueness are checked in memory)."""
    foreign_keys = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    try:
        obj.full_clean(exclude=foreign_keys, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        check.model_errors(error, columns, prefix)


def no_school_year_problem() -> Problem:
    return Problem(
        None,
        _(
            "Non c'è un anno scolastico in corso: crearlo con le sue classi in Gestione prima "
            "di importare."
        ),
    )


def first_seen(seen: dict[str, int], key: str, line: int) -> int | None:
    """The line where `key` was seen before in the file, or None (and remember this line)."""
    previous = seen.get(key)
    if previous is None:
        seen[key] = line
    return previous


def change(label: str, old: object, new: object) -> str:
    return _("%(field)s: «%(old)s» → «%(new)s»") % {
        "field": label,
        "old": show(old),
        "new": show(new),
    }


def show(value: object) -> str:
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if value is True:
        return _("sì")
    if value is False:
        return _("no")
    return str(value)


def update_fields(
    obj: Model, new_values: Mapping[str, object], labels: Mapping[str, str]
) -> list[str]:
    """Set the differing fields on `obj`; return a description of each change.

    Empty new values never erase what is stored: a blank cell means "not given".
    """
    changes: list[str] = []
    for name, new in new_values.items():
        old = getattr(obj, name)
        if new in ("", None) or new == old:
            continue
        changes.append(change(labels[name], old, new))
        setattr(obj, name, new)
    return changes
