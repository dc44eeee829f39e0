"""Importing a 1,500-student school's own OneRoster 1.2 bundle again: the preview (read the zip,
check every record against the institute) and the apply (re-checked under lock; nothing to
write), which bound what the office waits for.

What it does: a fresh PostgreSQL database of its own (dropped at the end;
`BENCH_ONEROSTER_IMPORT_DATABASE_URL` overrides it), `campanella seed --students N --schools 1
--grades-per-subject 0`, `ANALYZE`, the school's bundle (`interop.oneroster.bundle`), then times
`import_upload` (preview) and `import_apply`, reporting wall and CPU time, the records read and
resident memory.

Run from the project root:
    .venv/bin/python -m bench.oneroster_import [--students 1500]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time

from bench.letters import print_machine, rss_mib

PG_URL = os.environ.get(
    "BENCH_ONEROSTER_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/campanella_bench_ori"
)


def seed(students: int) -> str:
    from django.core.management import call_command
    from django.db import connection

    out = io.StringIO()
    call_command("seed", students=students, schools=1, seed=1, grades_per_subject=0, stdout=out)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return out.getvalue().splitlines()[0]


def run_import() -> None:
    from campanella.interop.models import ImportKind
    from campanella.interop.oneroster import bundle, mapping
    from campanella.interop.services import import_apply, import_upload
    from campanella.people.models import Staff
    from campanella.school.models import School, SchoolYear

    school = School.objects.get()
    year = SchoolYear.objects.get(institute_id=school.institute_id)
    scope = mapping.Scope(
        institute_id=school.institute_id, school_ids=(school.pk,), school_year_id=year.pk
    )
    target = io.BytesIO()
    counts = bundle.write_bundle(mapping.roster_for(scope), target)
    office = Staff.objects.filter(institute_id=school.institute_id, is_office=True).first()
    assert office is not None
    assert office.user is not None
    print(f"  archivio {len(target.getvalue()) / 2**20:.1f} MiB: " + ", ".join(
        f"{name} {count:,}" for name, count in counts.items()))  # fmt: skip
    memory, cpu, wall = rss_mib(), time.process_time(), time.perf_counter()
    batch, plan = import_upload(
        institute_id=school.institute_id, user=office.user, kind=ImportKind.ONEROSTER,
        file_name="bench.zip", content=target.getvalue(),
    )  # fmt: skip
    print(
        f"  anteprima: {time.perf_counter() - wall:.1f} s (CPU {time.process_time() - cpu:.1f} s),"
        f" {len(plan.rows):,} record, {len(plan.problems)} problemi, {plan.counts()}, "
        f"memoria {memory:.0f} → {rss_mib():.0f} MiB"
    )
    cpu, wall = time.process_time(), time.perf_counter()
    result = import_apply(batch_id=batch.pk, institute_id=school.institute_id, user=office.user)
    written = sum(result.batch.summary.get("written", {}).values())
    print(
        f"  conferma: {time.perf_counter() - wall:.1f} s (CPU {time.process_time() - cpu:.1f} s),"
        f" esito {result.outcome}, record scritti {written}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.oneroster_import")
    parser.add_argument("--students", type=int, default=1500)
    args = parser.parse_args()
    print_machine()
    from bench.council import configure
    from bench.isolated import database_drop

    with tempfile.TemporaryDirectory() as var_dir:
        configure(PG_URL, var_dir)
        try:
            started = time.perf_counter()
            print(f"  {seed(args.students)}")
            print(f"  dati creati in {time.perf_counter() - started:.0f} s")
            run_import()
        finally:
            database_drop(PG_URL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
