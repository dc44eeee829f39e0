"""How long a classroom's scrutinio documents take: minutes (with the tabellone attached), the
tabellone, the signature sheet and the letters to families, for 28 students × 12 subjects.

Target (issue 12): a classroom's documents in under 2 s.

Run from the project root: `.venv/bin/python -m bench.council_documents [--repeat N]`
(or `./dev bench council_documents`). Every run draws new people and marks, so no run reuses
what Typst memoized for an earlier one; the first run in the process (loading fonts) is
reported like the others.
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from bench.letters import print_machine, rss_mib
from campanella.lib.council_documents import (
    Attendance,
    CitizenshipAssignment,
    CouncilMember,
    CouncilSession,
    CouncilSubject,
    Debt,
    Deliberation,
    Mark,
    SchoolHeader,
    StudentResult,
    SubjectResult,
    letters_due,
    letters_pdf,
    minutes_pdf,
    signature_sheet_pdf,
    tabellone_pdf,
)
from campanella.lib.fake_people import fake_person

TARGET_SECONDS = 2.0
SUBJECTS = (
    ("ITA", "Lingua e letteratura italiana"), ("LAT", "Lingua e cultura latina"),
    ("ING", "Lingua e cultura inglese"), ("STO", "Storia"), ("FIL", "Filosofia"),
    ("MAT", "Matematica"), ("FIS", "Fisica"), ("SCI", "Scienze naturali"),
    ("DIS", "Disegno e storia dell'arte"), ("SMS", "Scienze motorie e sportive"),
    ("IRC", "Religione cattolica"), ("INF", "Informatica"),
)  # fmt: skip
JUDGEMENTS = ("Sufficiente", "Discreto", "Buono", "Distinto", "Ottimo")
RECOVERY = ("corso di recupero", "studio individuale", "sportello didattico")
TEACHER_BORN = (datetime.date(1962, 1, 1), datetime.date(1992, 12, 31))
STUDENT_BORN = (datetime.date(2009, 1, 1), datetime.date(2009, 12, 31))
LETTERS = 8


def name(rng: random.Random, born: tuple[datetime.date, datetime.date]) -> tuple[str, str]:
    person = fake_person(rng, born_between=born)
    return f"{person.surname} {person.name}", person.sex


def make_student(
    rng: random.Random, key: int, subjects: tuple[CouncilSubject, ...]
) -> StudentResult:
    """A 4th-year student: mostly admitted, some suspended (1–3 debts), a few not admitted."""
    full_name, sex = name(rng, STUDENT_BORN)
    level = rng.choices((8, 7, 6, 5), weights=(3, 4, 2, 1))[0]
    marks = []
    for subject in subjects:
        if subject.code == "IRC":
            mark = Mark(judgement=rng.choice(JUDGEMENTS))
        else:
            mark = Mark(max(3, min(10, level + rng.randint(-2, 2))))
        marks.append(SubjectResult(subject.code, mark, hours_absent=rng.randint(0, 25)))
    failing = [r for r in marks if r.mark.failing]
    behaviour = rng.choices((10, 9, 8, 7, 6), weights=(1, 3, 4, 2, 1))[0]
    numeric = [Decimal(r.mark.value) for r in marks if r.mark.value is not None]
    average = (sum(numeric) + behaviour) / (len(numeric) + 1)
    hours = rng.randint(20, 230)
    attendance = Attendance(hours, 990)
    debts: tuple[Debt, ...] = ()
    assignment = None
    outcome = "ammesso"
    reason = ""
    credit: int | None = 9 + int(average >= 7) + int(average >= 8)
    if len(failing) > 3:
        outcome, reason, credit = "non_ammesso", "Insufficienze gravi e diffuse.", None
    elif failing or behaviour == 6:
        outcome, credit = "sospeso", None
        debts = tuple(
            Debt(r.subject, "argomenti del secondo periodo non acquisiti", rng.choice(RECOVERY),
                 datetime.date(2027, 8, 30))
            for r in failing
        )  # fmt: skip
        if behaviour == 6:
            assignment = CitizenshipAssignment(
                "La responsabilità di ciascuno nella comunità scolastica",
                due_on=datetime.date(2027, 8, 25),
            )
    return StudentResult(
        key=str(key),
        name=full_name,
        sex=sex,  # type: ignore[arg-type]
        marks=tuple(marks),
        behaviour=Mark(behaviour),
        behaviour_reason="Partecipazione e rispetto delle regole coerenti con il voto.",
        civic_education=Mark(max(5, level)),
        attendance=attendance,
        average=average.quantize(Decimal("0.01")),
        outcome=outcome,  # type: ignore[arg-type]
        outcome_reason=reason,
        debts=debts,
        citizenship_assignment=assignment,
        credit=credit,
        earlier_credits=rng.randint(8, 12),
    )


def make_session(rng: random.Random, students: int = 28) -> CouncilSession:
    subjects = tuple(CouncilSubject(code, full, code) for code, full in SUBJECTS)
    members = [CouncilMember(name(rng, TEACHER_BORN)[0], (s.name,)) for s in subjects]
    members[3] = CouncilMember(
        members[3].name,
        members[3].subjects,
        present=False,
        substitute=name(rng, TEACHER_BORN)[0],
        substitution_protocol=f"{rng.randint(1000, 9999)}/C1",
        substitution_date=datetime.date(2027, 6, 10),
    )
    people = tuple(make_student(rng, key, subjects) for key in range(students))
    deliberations = tuple(
        Deliberation("esito", "Non ammissione per insufficienze gravi e diffuse.",
                     student=s.key, against=(members[0].name,))
        for s in people
        if s.outcome == "non_ammesso"
    )  # fmt: skip
    return CouncilSession(
        school=SchoolHeader(
            "Istituto di Istruzione Superiore «Galileo Galilei»",
            "Liceo scientifico «Galileo Galilei»",
            "MOPS01000X",
            "Modena",
            "Prof.ssa Maria Teresa Bellini",
        ),
        classroom="4ª A Liceo scientifico",
        class_year=4,
        level="secondaria2",
        school_year="2026/2027",
        kind="finale",
        title="Scrutinio finale",
        minutes_number=str(rng.randint(1, 20)),
        date=datetime.date(2027, 6, 12),
        place="aula 12 della sede di via Roma 3",
        start_time=datetime.time(14, 30),
        end_time=datetime.time(16, 45),
        chair="Bellini Maria Teresa",
        secretary=members[1].name,
        members=tuple(members),
        subjects=subjects,
        students=people,
        deliberations=deliberations,
        coordinator=members[1].name,
    )


def one_run(rng: random.Random, students: int) -> dict[str, tuple[float, float, int]]:
    """Each document's (wall s, CPU s, pages-ish bytes) and the whole classroom's."""
    session = make_session(rng, students)
    due = list(letters_due(session))
    if not due:
        raise SystemExit("Nessuna lettera da stampare in questa classe: cambiare --seed.")
    letters = (due * LETTERS)[:LETTERS]  # repeated if fewer: the count matters, not the kind
    steps: list[tuple[str, Callable[[], bytes]]] = [
        ("verbale (con tabellone allegato)", lambda: minutes_pdf(session)),
        ("tabellone", lambda: tabellone_pdf(session)),
        ("foglio firme", lambda: signature_sheet_pdf(session)),
        (f"{LETTERS} lettere", lambda: letters_pdf(session, letters)),
    ]
    times: dict[str, tuple[float, float, int]] = {}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for label, render in steps:
        wall, cpu = time.perf_counter(), time.process_time()
        pdf = render()
        times[label] = (time.perf_counter() - wall, time.process_time() - cpu, len(pdf))
    total_bytes = sum(size for _, _, size in times.values())
    times["totale della classe"] = (
        time.perf_counter() - wall0,
        time.process_time() - cpu0,
        total_bytes,
    )
    return times


def run(*, students: int = 28, repeat: int = 5, seed: int = 1) -> int:
    print_machine()
    print(f"Classe di {students} studenti × {len(SUBJECTS)} materie, {repeat} ripetizioni")
    rng = random.Random(seed)
    runs = [one_run(rng, students) for _ in range(repeat)]
    for label in runs[0]:
        walls = [run[label][0] for run in runs]
        cpus = [run[label][1] for run in runs]
        print(
            f"{label:>34}: mediana {statistics.median(walls):.3f} s (min {min(walls):.3f}, "
            f"max {max(walls):.3f}); CPU mediana {statistics.median(cpus):.3f} s; "
            f"PDF {runs[-1][label][2] / 1024:.0f} KiB"
        )
    median = statistics.median(run["totale della classe"][0] for run in runs)
    verdict = "entro" if median < TARGET_SECONDS else "OLTRE"
    print(f"Totale della classe: mediana {median:.3f} s, {verdict} il limite di {TARGET_SECONDS} s")
    print(f"Memoria residente {rss_mib():.0f} MiB")
    return 0 if median < TARGET_SECONDS else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.council_documents")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--students", type=int, default=28)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return run(students=args.students, repeat=args.repeat, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
