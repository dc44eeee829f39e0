"""How long the office's import takes for N rows, on SQLite and on PostgreSQL (issue 3).

Target: 5,000 rows in under 30 s. Each run uses a fresh, migrated database with one institute
(230 classrooms, 22 subjects each) and measures, through the same services the pages call:

- students: upload + preview of N students with two guardians each, the preview page (which
  reads the stored file again), then the apply (which re-reads and re-checks the file and
  writes), and their total; then the same file again (every row unchanged);
- staff: N people, upload + apply; teachings: N assignments of those teachers, upload + apply.

Run: `python -m bench.import_rows --rows 5000 --repeat 3`
(`BENCH_IMPORT_DATABASE_URL` overrides the PostgreSQL database, which is dropped and recreated).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_import"
)
SECTIONS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [f"A{chr(c)}" for c in range(65, 85)]
SUBJECTS = 22
PHASES = [
    ("students_upload", "alunni: caricamento + anteprima"),
    ("students_preview", "alunni: pagina di anteprima (rilettura del file)"),
    ("students_apply", "alunni: conferma (ricontrollo + scrittura)"),
    ("students_total", "alunni: totale dei tre passi"),
    ("students_reimport", "alunni: stesso file di nuovo (tutto invariato)"),
    ("staff_total", "personale: caricamento + conferma"),
    ("teachings_total", "cattedre: caricamento + conferma"),
]


# --- the parent process: one fresh database per run -------------------------------------------


def run(*, rows: int, repeat: int) -> int:
    print(f"Macchina: {platform.processor() or platform.machine()}, {os.cpu_count()} core, "
          f"Python {platform.python_version()}; {rows} righe, {repeat} prove")  # fmt: skip
    for label, url in (("SQLite", None), ("PostgreSQL", PG_URL)):
        runs = [one_run(rows, url) for _ in range(repeat)]
        print(f"{label}:")
        for key, description in PHASES:
            times = [r[key] for r in runs]
            print(f"  {description}: mediana {statistics.median(times):.2f} s "
                  f"(min {min(times):.2f}, max {max(times):.2f})")  # fmt: skip
    return 0


def one_run(rows: int, database_url: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "SECRET_KEY": "bench-" + "x" * 40, "CAMPANELLA_VAR_DIR": var_dir}
        env.pop("DATABASE_URL", None)
        if database_url:
            from bench.seed import recreate_pg_database

            env["DATABASE_URL"] = database_url
            recreate_pg_database(database_url)
        result = subprocess.run(
            [sys.executable, "-m", "bench.import_rows", "--worker", "--rows", str(rows)],
            env=env,
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SystemExit(result.stdout + result.stderr)
        timings: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
        return timings


# --- the worker: Django set up on the database chosen by DATABASE_URL --------------------------


def worker(rows: int) -> dict[str, float]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campanella.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    world = build_institute()
    rng = random.Random(1)
    students = students_csv(rows, rng)
    staff, codes = staff_csv(rows, rng)
    teachings = teachings_csv(codes, rows)
    timings: dict[str, float] = {}
    batch = timed(timings, "students_upload", lambda: upload(world, "alunni", students))
    timed(timings, "students_preview", lambda: preview(batch))
    apply_result = timed(timings, "students_apply", lambda: apply(world, batch))
    assert apply_result.applied, apply_result.plan and apply_result.plan.problems[:5]
    timings["students_total"] = sum(
        timings[key] for key in ("students_upload", "students_preview", "students_apply")
    )
    again = timed(
        timings, "students_reimport", lambda: apply(world, upload(world, "alunni", students))
    )
    assert again.applied, again.batch.summary
    assert again.batch.summary["unchanged"] == rows, again.batch.summary
    staff_result = timed(
        timings, "staff_total", lambda: apply(world, upload(world, "personale", staff))
    )
    assert staff_result.applied, staff_result.plan and staff_result.plan.problems[:5]
    taught = timed(
        timings, "teachings_total", lambda: apply(world, upload(world, "cattedre", teachings))
    )
    assert taught.applied, taught.plan and taught.plan.problems[:5]
    return timings


def timed(timings: dict[str, float], key: str, action: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = action()
    timings[key] = time.perf_counter() - start
    return result


def build_institute() -> dict[str, Any]:
    from django.utils import timezone

    from campanella.people.models import Staff, User
    from campanella.school import models as sm

    today = timezone.localdate()
    start = datetime.date(today.year if today.month >= 9 else today.year - 1, 9, 1)
    institute = sm.Institute.objects.create(
        name="Istituto di prova", code="MOIS000001", city="Modena"
    )
    school = sm.School.objects.create(
        institute=institute,
        name="Liceo di prova",
        code="MOPS000001",
        kind="secondaria2",
        city="Modena",
    )
    year = sm.SchoolYear.objects.create(
        institute=institute,
        start_date=start,
        end_date=datetime.date(start.year + 1, 8, 31),
        lessons_start=datetime.date(start.year, 9, 15),
        lessons_end=datetime.date(start.year + 1, 6, 6),
    )
    classrooms = sm.Classroom.objects.bulk_create(
        sm.Classroom(school=school, school_year=year, year=y, section=s)
        for y in range(1, 6)
        for s in SECTIONS
    )
    subjects = sm.Subject.objects.bulk_create(
        sm.Subject(institute=institute, name=f"Materia {n}", short_name=f"M{n}")
        for n in range(SUBJECTS)
    )
    sm.ClassroomSubject.objects.bulk_create(
        sm.ClassroomSubject(classroom=c, subject=s, weekly_hours=2)
        for c in classrooms
        for s in subjects
    )
    user = User.objects.create(username="segreteria")
    Staff.objects.create(
        institute=institute, user=user, surname="Segreteria", name="Ufficio", is_office=True
    )
    return {"institute_id": institute.pk, "user": user}


def classroom_names() -> list[str]:
    return [f"{y}{s}" for y in range(1, 6) for s in SECTIONS]


def students_csv(rows: int, rng: random.Random) -> bytes:
    from campanella.interop.columns import COLUMNS

    header = [c.name for c in COLUMNS["alunni"]]
    people = unique_people(rng, rows * 3)
    names = classroom_names()
    lines = []
    for n in range(rows):
        child, first, second = people[3 * n : 3 * n + 3]
        values = {
            "cognome": child.surname, "nome": child.name, "codice_fiscale": child.codice_fiscale,
            "data_nascita": child.birth_date.strftime("%d/%m/%Y"), "sesso": child.sex,
            "luogo_nascita": child.birth_place, "classe": names[n % len(names)],
        }  # fmt: skip
        for rank, parent in ((1, first), (2, second)):
            values.update({
                f"genitore{rank}_cognome": parent.surname, f"genitore{rank}_nome": parent.name,
                f"genitore{rank}_codice_fiscale": parent.codice_fiscale,
                f"genitore{rank}_email": parent.email, f"genitore{rank}_telefono": parent.phone,
            })  # fmt: skip
        lines.append([values.get(name, "") for name in header])
    return to_csv(header, lines)


def staff_csv(rows: int, rng: random.Random) -> tuple[bytes, list[str]]:
    people = unique_people(rng, rows, born=(1960, 1995))
    lines = [[p.surname, p.name, p.codice_fiscale, p.email, "docente"] for p in people]
    return to_csv(["cognome", "nome", "codice_fiscale", "email", "ruoli"], lines), [
        p.codice_fiscale for p in people
    ]


def teachings_csv(teacher_codes: list[str], rows: int) -> bytes:
    pairs = [(c, s) for c in classroom_names() for s in range(SUBJECTS)]
    lines = [
        [
            teacher_codes[n % len(teacher_codes)],
            pairs[n % len(pairs)][0],
            f"Materia {pairs[n % len(pairs)][1]}",
        ]
        for n in range(rows)
    ]
    return to_csv(["docente_codice_fiscale", "classe", "materia"], lines)


def unique_people(
    rng: random.Random, count: int, born: tuple[int, int] = (1965, 2012)
) -> list[Any]:
    from campanella.lib.fake_people import fake_person

    people: dict[str, Any] = {}
    while len(people) < count:
        person = fake_person(
            rng, born_between=(datetime.date(born[0], 1, 1), datetime.date(born[1], 12, 31))
        )
        people.setdefault(person.codice_fiscale, person)
    return list(people.values())


def to_csv(header: list[str], lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(lines)
    return buffer.getvalue().encode("utf-8")


def upload(world: dict[str, Any], kind: str, content: bytes) -> Any:
    from campanella.interop.services import import_upload

    batch, _plan = import_upload(
        institute_id=world["institute_id"], user=world["user"], kind=kind,
        file_name=f"{kind}.csv", content=content,
    )  # fmt: skip
    return batch


def preview(batch: Any) -> Any:
    from campanella.interop.services import import_preview

    return import_preview(batch=batch)


def apply(world: dict[str, Any], batch: Any) -> Any:
    from campanella.interop.services import import_apply

    return import_apply(batch_id=batch.pk, institute_id=world["institute_id"], user=world["user"])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_rows")
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.rows)))
        return 0
    return run(rows=args.rows, repeat=args.repeat)


if __name__ == "__main__":
    sys.exit(main())
