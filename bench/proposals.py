"""Reading proposals for a whole institute (issue 12: "Reading proposals for all 69 classrooms of
a 1,500-student school with a year of grades: under 10 s").

What it does, for each database asked (SQLite in a temporary directory, PostgreSQL in a database
of its own, dropped at the end): migrates, seeds (`campanella seed --students N --seed 1`), then
writes a whole school year of register and grades with the demo generators,
`campanella.demo.register_history.generate_history` (lessons, absences, late entries, every
school day from the first to the last day of lessons) and `campanella.demo.grade_history
.generate_grades` (`--per-subject` grades per student and subject over the year). Then, as the
principal, for every classroom of the institute at once, it times `proposals_read`:

1. the first reading of the final period (the pentamestre): sessions and every proposal created;
2. a re-reading with nothing new (figures compared, nothing written);
3. after `--hand` proposals changed by their teachers (`proposal_change`) and new grades for
   a tenth of the students, a re-reading (hand changes kept, figures refreshed);
4. the same with overwrite (hand changes replaced);
5. the first reading of the first period (the trimestre).

Before each reading it waits (up to 3 minutes) for the machine to be nearly idle; each line
gives the wall time, this process's CPU time (SQLite's work included: it runs in the process),
the time spent in SQL queries, the queries, the rows written and how busy the whole machine
was before and during the reading (other people's work shares its 2 cores).
Run from the project root:

    .venv/bin/python -m bench.proposals [--students 1500] [--databases sqlite postgresql]

`BENCH_PROPOSALS_DATABASE_URL` overrides the PostgreSQL database (dropped and recreated).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import sys
import time
from decimal import Decimal
from typing import Any

from bench import server
from bench.isolated import child, django_on, run_each

PG_URL = os.environ.get(
    "BENCH_PROPOSALS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_proposals"
)
TARGET_SECONDS = 10.0


class QueryCounter:
    """Counts the queries run through it and adds up their time (the database's share)."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def timed(label: str, action: Any) -> dict[str, Any]:
    from django.db import connection

    counter = QueryCounter()
    busy_before = server.wait_until_idle()
    machine = server.cpu_times()
    wall, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(counter):
        outcome = action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    busy = server.busy_since(machine)
    line = {
        "label": label, "seconds": wall, "cpu": cpu, "queries": counter.count,
        "sql": counter.seconds, "busy_before": busy_before, "busy": busy,
        "created": outcome.created, "updated": outcome.updated, "kept": outcome.kept,
        "sessions": len(outcome.sessions), "sessions_created": outcome.sessions_created,
    }  # fmt: skip
    print(f"    {label}: {wall:.2f} s (CPU {cpu:.2f} s, SQL {counter.seconds:.2f} s, macchina "
          f"occupata {busy_before:.0%} prima e {busy:.0%} durante), {counter.count} query, "
          f"{outcome.created} create, {outcome.updated} aggiornate, {outcome.kept} tenute",
          flush=True)  # fmt: skip
    return line


def seed(students: int, per_subject: int) -> dict[str, Any]:
    from django.core.management import call_command

    from campanella.demo.grade_history import generate_grades
    from campanella.demo.register_history import generate_history
    from campanella.school.models import SchoolYear
    from campanella.school.selectors import school_days

    call_command("migrate", verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("seed", students=students, seed=1, stdout=out)
    year = SchoolYear.objects.get()
    first_school = year.classrooms.select_related("school").first().school  # type: ignore[union-attr]
    days = len(school_days(first_school, year.lessons_start, year.lessons_end))
    rng = random.Random(1)
    lessons = generate_history(
        institute_id=year.institute_id, year=year,
        until=year.lessons_end + datetime.timedelta(days=1), days=days, rng=rng,
    )  # fmt: skip
    grades = generate_grades(
        institute_id=year.institute_id, year=year, until=year.lessons_end,
        per_subject=per_subject, rng=rng,
    )  # fmt: skip
    return {
        "seeded": out.getvalue().splitlines()[0],
        "lessons": lessons,
        "grades": grades,
        "school_days": days,
        "seconds": time.perf_counter() - started,
    }


def shapes(term_number: int) -> dict[str, int]:
    """What a reading of that period goes through."""
    from django.db.models import Q

    from campanella.grades.models import Grade
    from campanella.register.models import Absence, EarlyExit, LateEntry, Lesson
    from campanella.school.models import Term

    span = Q()
    for term in Term.objects.filter(number=term_number):
        span |= Q(classroom__school=term.school, date__gte=term.start_date,
                  date__lte=term.end_date)  # fmt: skip
    return {
        "grades": Grade.objects.filter(span).count(),
        "lessons": Lesson.objects.filter(span).count(),
        "attendance": sum(m.objects.filter(span).count() for m in (Absence, LateEntry, EarlyExit)),
    }


def hand_changes(count: int, term_number: int, rng: random.Random) -> int:
    """`count` proposals changed by their teachers (a mark one point lower, with gaps when
    failing), and new grades for a tenth of the students: what a re-reading meets."""
    from campanella.evaluation.models import RecoveryMode, SubjectMark
    from campanella.evaluation.proposals import proposal_change
    from campanella.grades.models import Grade
    from campanella.people.models import Staff

    marks = list(
        SubjectMark.objects.filter(session__term__number=term_number, proposed_mark__isnull=False)
        .select_related("session__classroom__school", "session__term__school_year", "student",
                        "subject")
        .order_by("pk")
    )  # fmt: skip
    users = {s.pk: s.user for s in Staff.objects.select_related("user").filter(is_teacher=True)}
    done = 0
    for mark in rng.sample(marks, min(count, len(marks))):
        assert mark.proposed_mark is not None
        assert mark.teacher_id is not None
        lower = max(Decimal(1), mark.proposed_mark - 1)
        proposal_change(
            user=users[mark.teacher_id], session=mark.session, student=mark.student,
            subject=mark.subject, mark=str(lower), gaps="Argomenti del periodo",
            recovery_mode=RecoveryMode.SELF_STUDY,
        )  # fmt: skip
        done += 1
    term = marks[0].session.term
    students = sorted({m.student_id for m in marks})
    chosen = set(rng.sample(students, len(students) // 10))
    extra = [
        Grade(student_id=g.student_id, classroom_id=g.classroom_id, subject_id=g.subject_id,
              teacher_id=g.teacher_id, date=term.end_date - datetime.timedelta(days=60),
              kind=g.kind, scale=g.scale, value=Decimal(10) if g.value is not None else None,
              level=g.level, judgement=g.judgement, recorded_by_id=g.recorded_by_id)
        for g in Grade.objects.filter(student_id__in=chosen, date__gte=term.start_date,
                                      date__lte=term.end_date)[: len(chosen) * 10]
    ]  # fmt: skip
    Grade.objects.bulk_create(extra, batch_size=2000)
    return done


def run_one(database: str, students: int, per_subject: int, hand: int) -> dict[str, Any]:
    """In a child process: one database, from the seed to the readings."""
    with django_on(database, PG_URL):
        return readings(students, per_subject, hand)


def readings(students: int, per_subject: int, hand: int) -> dict[str, Any]:
    from campanella.evaluation.proposals import proposals_read
    from campanella.people.models import Staff
    from campanella.school.models import Classroom, Term

    made = seed(students, per_subject)
    print(f"    {made['seeded']}; {made['lessons']:,} lezioni in {made['school_days']} giorni, "
          f"{made['grades']:,} voti; dati pronti in {made['seconds']:.0f} s",
          flush=True)  # fmt: skip
    principal = Staff.objects.select_related("user").get(is_principal=True).user
    classrooms = list(Classroom.objects.all())
    final, first = Term.objects.filter(number=2).first(), Term.objects.filter(number=1).first()
    assert final is not None
    assert first is not None

    def read(term: Term, overwrite: bool = False) -> Any:
        return lambda: proposals_read(
            user=principal, classrooms=classrooms, term=term, overwrite=overwrite
        )

    lines = [timed("prima lettura, pentamestre", read(final))]
    lines.append(timed("rilettura senza novità", read(final)))
    changed = hand_changes(hand, 2, random.Random(2))
    lines.append(timed(f"rilettura dopo {changed} modifiche a mano e nuovi voti", read(final)))
    lines.append(timed("rilettura sovrascrivendo le modifiche", read(final, overwrite=True)))
    lines.append(timed("prima lettura, trimestre", read(first)))
    return {
        "made": made, "lines": lines, "classrooms": len(classrooms),
        "shapes": {"pentamestre": shapes(2), "trimestre": shapes(1)},
    }  # fmt: skip


def report(results: dict[str, dict[str, Any]]) -> None:
    print(f"\n{server.machine(PG_URL)}, {datetime.date.today()}.")
    for database, result in results.items():
        made, shape = result["made"], result["shapes"]
        print(f"\n{database}: {made['seeded']} {made['lessons']:,} lessons over "
              f"{made['school_days']} school days, {made['grades']:,} grades. Pentamestre: "
              f"{shape['pentamestre']['grades']:,} grades, {shape['pentamestre']['lessons']:,} "
              f"lessons, {shape['pentamestre']['attendance']:,} absences/late entries/exits; "
              f"trimestre: {shape['trimestre']['grades']:,} grades. "
              f"{result['classrooms']} classrooms read at once. "
              f"Target: < {TARGET_SECONDS:.0f} s.\n")  # fmt: skip
        print("| reading | wall | CPU of this process | in SQL queries | queries | rows "
              "created | rows updated | kept (by hand) | machine busy before / during | "
              "target |\n|---|---|---|---|---|---|---|---|---|---|")  # fmt: skip
        for line in result["lines"]:
            met = "yes" if line["seconds"] < TARGET_SECONDS else "NO"
            print(f"| {line['label']} | {line['seconds']:.2f} s | {line['cpu']:.2f} s | "
                  f"{line['sql']:.2f} s | {line['queries']} | {line['created']:,} | "
                  f"{line['updated']:,} | {line['kept']:,} | {line['busy_before']:.0%} / "
                  f"{line['busy']:.0%} | {met} |")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.proposals", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--per-subject", type=int, default=10, help="grades a year per subject")
    parser.add_argument("--hand", type=int, default=300, help="proposals changed by hand")
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        return child(lambda: run_one(args.only, args.students, args.per_subject, args.hand))
    results = run_each(
        "bench.proposals",
        args.databases,
        [
            "--students",
            str(args.students),
            "--per-subject",
            str(args.per_subject),
            "--hand",
            str(args.hand),
        ],
    )
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
