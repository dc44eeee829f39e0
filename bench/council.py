"""The class council of a classroom of 28 students × 12 subjects, measured in-process.

Targets (issue 12): the council's marks page renders in under 100 ms with a number of SQL
queries that does not grow with students or subjects; the documents of a classroom (minutes,
tabellone, signature sheet, letters) in under 2 s.

What it does: on a fresh database (SQLite in a temporary directory, or PostgreSQL with
`--database-url`, dropped and recreated) it builds one upper secondary 3rd year of 28 students
with 12 subjects, each taught by its teacher, the council opened, every final mark, behaviour,
civics, outcome and credit deliberated (a few suspended with debts, one not admitted, one with
6 in behaviour and the citizenship assignment). Then, as the coordinator with Django's test
client: the marks page (`/scrutini/<id>/consiglio/voti/`) at the marks step, `--repeat` times
(the first request is a warm-up, reported apart), with its SQL query count; and at the minutes
step `documents.documents_generate` (every document, a new version each run), `--repeat`
times. DEBUG is off.

Run from the project root:
    .venv/bin/python -m bench.council [--repeat 10] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

STUDENTS = 28
SUBJECTS = (
    ("ITA", "Lingua e letteratura italiana"),
    ("LAT", "Lingua e cultura latina"),
    ("ING", "Lingua e cultura inglese"),
    ("STO", "Storia"),
    ("FIL", "Filosofia"),
    ("MAT", "Matematica"),
    ("FIS", "Fisica"),
    ("SCI", "Scienze naturali"),
    ("DIS", "Disegno e storia dell'arte"),
    ("SMS", "Scienze motorie e sportive"),
    ("INF", "Informatica"),
    ("IRC", "Religione cattolica"),
)
PAGE_TARGET_MS = 100.0
DOCUMENTS_TARGET_S = 2.0


def configure(database_url: str | None, var_dir: str) -> None:
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 44)
    os.environ["CAMPANELLA_VAR_DIR"] = var_dir
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["STATIC_MANIFEST"] = "0"  # static files from the finders: nothing to collect
    os.environ["DJANGO_SETTINGS_MODULE"] = "campanella.settings"
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        recreate_pg_database(database_url)
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def recreate_pg_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, dbname="postgres", autocommit=True,
    ) as connection:  # fmt: skip
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def build(rng: random.Random) -> dict[str, Any]:
    """One classroom with its council deliberated; returns the session and its coordinator."""
    from django.contrib.auth import get_user_model

    from campanella.evaluation.models import (
        CouncilMember,
        EvaluationSession,
        SessionKind,
        Step,
        StudentResult,
        SubjectMark,
    )
    from campanella.lib.fake_people import fake_person
    from campanella.people.models import Enrollment, Staff, Student
    from campanella.school.models import (
        Classroom,
        ClassroomSubject,
        Institute,
        School,
        SchoolKind,
        SchoolYear,
        Subject,
        SubjectKind,
        Teaching,
        Term,
        TermKind,
    )

    institute = Institute.objects.create(
        name="Istituto di Istruzione Superiore «Galileo Galilei»",
        code="MOIS00100X",
        city="Modena",
        username_code="GALI0001",
    )
    school = School.objects.create(
        institute=institute,
        name="Liceo scientifico «Galileo Galilei»",
        code="MOPS00101X",
        kind=SchoolKind.UPPER_SECONDARY,
        city="Modena",
    )
    year = SchoolYear.objects.create(
        institute=institute,
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2027, 8, 31),
        lessons_start=datetime.date(2026, 9, 15),
        lessons_end=datetime.date(2027, 6, 8),
    )
    term = Term.objects.create(
        school_year=year,
        school=school,
        number=1,
        kind=TermKind.FOUR_MONTHS,
        start_date=year.start_date,
        end_date=datetime.date(2027, 6, 8),
    )
    users = get_user_model().objects
    staff = []
    for number in range(len(SUBJECTS) + 1):
        person = fake_person(
            rng, born_between=(datetime.date(1965, 1, 1), datetime.date(1995, 1, 1))
        )
        user = users.create_user(username=f"GALI0001.{1000000 + number}", password=None)
        staff.append(
            Staff.objects.create(
                institute=institute,
                user=user,
                surname=person.surname,
                name=person.name,
                is_teacher=number > 0,
                is_principal=number == 0,
            )
        )
    principal, teachers = staff[0], staff[1:]
    classroom = Classroom.objects.create(
        school=school, school_year=year, year=3, section="A", coordinator=teachers[0]
    )
    subjects = []
    for (short, name), teacher in zip(SUBJECTS, teachers, strict=True):
        kind = SubjectKind.RELIGION if short == "IRC" else SubjectKind.ORDINARY
        subject = Subject.objects.create(
            institute=institute, name=name, short_name=short, kind=kind
        )
        ClassroomSubject.objects.create(classroom=classroom, subject=subject, weekly_hours=3)
        Teaching.objects.create(teacher=teacher, classroom=classroom, subject=subject)
        subjects.append(subject)
    students = []
    for number in range(STUDENTS):
        born = (datetime.date(2010, 1, 1), datetime.date(2010, 12, 31))
        person = fake_person(rng, born_between=born)
        student = Student.objects.create(
            institute=institute,
            surname=person.surname,
            name=person.name,
            birth_date=person.birth_date,
            sex=person.sex,
            codice_fiscale=f"{person.codice_fiscale[:13]}{number:03d}",
        )
        Enrollment.objects.create(
            student=student, school_year=year, classroom=classroom, entry_date=year.start_date
        )
        students.append(student)
    session = EvaluationSession.objects.create(
        classroom=classroom,
        term=term,
        kind=SessionKind.FINAL,
        step=Step.MARKS,
        minutes_number="27",
        held_on=datetime.date(2027, 6, 10),
        starts_at=datetime.time(14, 30),
        ends_at=datetime.time(17, 0),
        place="Aula 12",
        chair=principal,
        secretary=teachers[1],
    )
    CouncilMember.objects.bulk_create(CouncilMember(session=session, teacher=t) for t in teachers)
    marks, results = [], []
    for index, student in enumerate(students):
        suspended = index % 7 == 3
        refused = index == 5
        for subject in subjects:
            if subject.kind == SubjectKind.RELIGION:
                marks.append(
                    SubjectMark(
                        session=session,
                        student=student,
                        subject=subject,
                        proposed_judgement="buono",
                        final_judgement="buono",
                    )
                )
                continue
            value = rng.choice((6, 7, 7, 8, 8, 9, 10))
            if (suspended and subject.short_name in ("MAT", "FIS")) or refused:
                value = rng.choice((3, 4, 5))
            marks.append(
                SubjectMark(
                    session=session,
                    student=student,
                    subject=subject,
                    proposed_mark=Decimal(value),
                    final_mark=Decimal(value),
                    debt=value < 6,
                    gaps="Argomenti del secondo periodo" if value < 6 else "",
                    recovery_mode="corso" if value < 6 else "",
                )
            )
        behaviour = 6 if index == 9 else (5 if refused else rng.choice((8, 9, 10)))
        outcome = (
            "non_ammesso" if refused else ("sospeso" if suspended or behaviour == 6 else "ammesso")
        )
        results.append(
            StudentResult(
                session=session,
                student=student,
                hours_absent=rng.randint(10, 150),
                annual_hours=990,
                behaviour_mark=Decimal(behaviour),
                behaviour_reason="Partecipazione attiva e rispetto delle regole",
                civics_mark=Decimal(rng.choice((7, 8, 9))),
                outcome=outcome,
                outcome_reason="Gravi insufficienze diffuse" if refused else "",
                citizenship_assignment="La cittadinanza digitale" if behaviour == 6 else "",
                credit=10 if outcome == "ammesso" else None,
                earlier_credits=None,
                average=Decimal("7.80") if outcome == "ammesso" else None,
            )
        )
    SubjectMark.objects.bulk_create(marks)
    StudentResult.objects.bulk_create(results)
    return {"session": session, "coordinator": teachers[0].user}


def timed(call: Any, cpu: list[float] | None = None) -> float:
    """Wall seconds of `call`; its CPU seconds appended to `cpu` (the machine is shared)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    call()
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return time.perf_counter() - start


def run(*, repeat: int, database_url: str | None) -> int:
    with tempfile.TemporaryDirectory() as var_dir:
        configure(database_url, var_dir)
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from campanella.evaluation import documents
        from campanella.evaluation.models import EvaluationSession, Step, StudentResult

        built = build(random.Random(1))
        session, coordinator = built["session"], built["coordinator"]
        client = Client()
        client.force_login(coordinator)
        url = f"/scrutini/{session.pk}/consiglio/voti/"
        first = timed(lambda: client.get(url, secure=True))
        page_times: list[float] = []
        page_cpu: list[float] = []
        for _ in range(repeat):
            page_times.append(timed(lambda: client.get(url, secure=True), page_cpu))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        assert response.status_code == 200, response.status_code
        size = len(response.content)

        EvaluationSession.objects.filter(pk=session.pk).update(step=Step.MINUTES)
        session.refresh_from_db()
        document_times: list[float] = []
        document_cpu: list[float] = []
        pages = 0
        for run_number in range(repeat + 1):
            # Other words in every run (as a reopened session's new version would have), so
            # Typst cannot reuse the previous run's layout wholesale.
            StudentResult.objects.filter(session=session).update(
                behaviour_reason=f"Partecipazione attiva, versione {run_number} del verbale"
            )
            EvaluationSession.objects.filter(pk=session.pk).update(
                minutes_number=str(27 + run_number)
            )
            session.refresh_from_db()
            start, start_cpu = time.perf_counter(), time.process_time()
            made = documents.documents_generate(user=coordinator, session=session)
            elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
            if run_number == 0:
                first_documents = (elapsed, cpu)
                continue
            document_times.append(elapsed)
            document_cpu.append(cpu)
            pages = len(made)
        database = "PostgreSQL" if database_url else "SQLite"
        print(
            f"Macchina: {platform.processor() or platform.machine()}, {os.cpu_count()} core, "
            f"Python {platform.python_version()}, {database}"
        )
        page_ms = statistics.median(page_times) * 1000
        print(
            f"Pagina dei voti del consiglio ({STUDENTS} alunni × {len(SUBJECTS)} materie): "
            f"mediana {page_ms:.1f} ms (min {min(page_times) * 1000:.1f}, "
            f"max {max(page_times) * 1000:.1f}; primo {first * 1000:.1f} ms), "
            f"CPU {statistics.median(page_cpu) * 1000:.1f} ms, "
            f"{len(queries)} query SQL, {size / 1024:.0f} KiB; obiettivo < {PAGE_TARGET_MS:.0f} ms"
        )
        docs_s = statistics.median(document_times)
        print(
            f"Documenti della classe ({pages} PDF: verbale con tabellone, tabellone, foglio "
            f"firme, lettere): mediana {docs_s:.2f} s (min {min(document_times):.2f}, "
            f"max {max(document_times):.2f}; CPU {statistics.median(document_cpu):.2f} s; "
            f"{repeat} prove); la prima del processo {first_documents[0]:.2f} s "
            f"(CPU {first_documents[1]:.2f} s, caratteri caricati); "
            f"obiettivo < {DOCUMENTS_TARGET_S:.0f} s"
        )
        ok = page_ms < PAGE_TARGET_MS and docs_s < DOCUMENTS_TARGET_S
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.council")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    return run(repeat=args.repeat, database_url=args.database_url)


if __name__ == "__main__":
    sys.exit(main())
