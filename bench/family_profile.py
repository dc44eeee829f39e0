"""In-process CPU of the family pages (issue 11, item 15), page by page, over many targets.

Run on a database seeded as bench.family_pages seeds it (DATABASE_URL and the server's
settings in the environment; GRADE_PAGES_SECONDS=0):

    .venv/bin/python -m bench.family_profile [--pages register home grades book] [--n 100]
        [--profile DIR]

For each page it takes `n` targets (students, guardians, books) in a seeded shuffled order,
renders each once to warm the process, then measures the CPU time of each page with Django's
test client (the database's own time not included) and prints the median and the mean; with
`--profile DIR`, a cProfile of the measured pass is written to DIR/<page>.prof.
"""

from __future__ import annotations

import argparse
import cProfile
import random
import statistics
import time
from pathlib import Path
from typing import Any

PAGES = ("floor", "register", "home", "grades", "book")


def targets_build(n: int, rng: random.Random) -> dict[str, list[tuple[str, str]]]:
    from bench.family_pages import session_cookie
    from campanella.people.models import Enrollment, Guardianship, Staff, User
    from campanella.school.models import SubjectKind, Teaching, TeachingKind

    principal = Staff.objects.filter(is_principal=True, user__is_active=True).first()
    assert principal is not None
    assert principal.user is not None
    boss = session_cookie(principal.user)
    students = sorted(
        Enrollment.objects.filter(exit_date__isnull=True).values_list("student_id", flat=True)
    )
    rng.shuffle(students)
    books = list(
        Teaching.objects.filter(kind=TeachingKind.NORMAL, subject__kind=SubjectKind.ORDINARY)
        .order_by("classroom_id", "subject_id")
        .values_list("classroom_id", "subject_id")
        .distinct()
    )
    rng.shuffle(books)
    guardians = sorted(
        set(
            Guardianship.objects.filter(
                guardian__user__is_active=True, student_id__in=students
            ).values_list("guardian__user_id", flat=True)
        )
    )
    rng.shuffle(guardians)
    users = User.objects.in_bulk(guardians[:n])
    return {
        "floor": [("/profilo/", boss)] * n,
        "register": [(f"/registro/alunno/{s}/", boss) for s in students[:n]],
        "grades": [(f"/voti/alunno/{s}/", boss) for s in students[:n]],
        "book": [(f"/voti/{c}/{s}/", boss) for c, s in books[:n]],
        "home": [("/", session_cookie(users[g])) for g in guardians[:n]],
    }


def measure(targets: list[tuple[str, str]], profile: Path | None) -> list[float]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    for path, cookie in targets[:5]:
        client.cookies.load(cookie)
        assert client.get(path).status_code == 200, path
    profiler = cProfile.Profile() if profile else None
    cpu = []
    for path, cookie in targets:
        client.cookies.load(cookie)
        started = time.process_time()
        if profiler:
            profiler.enable()
        response = client.get(path)
        if profiler:
            profiler.disable()
        cpu.append((time.process_time() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    if profiler and profile:
        profiler.dump_stats(profile)
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.family_profile")
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=PAGES)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    import django

    django.setup()
    targets = targets_build(args.n, random.Random(args.seed))
    found: dict[str, Any] = {}
    for page in args.pages:
        out = args.profile / f"{page}.prof" if args.profile else None
        cpu = measure(targets[page], out)
        found[page] = cpu
        print(f"{page:<9} median {statistics.median(cpu):6.2f} ms  mean "
              f"{statistics.fmean(cpu):6.2f} ms  (n={len(cpu)})", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
