"""How long `render_credential_letters` takes for a classroom (30) and a whole school (1,500).

Run from the project root: `.venv/bin/python -m bench.letters [--repeat N] [--sizes 30 1500]`.
Every run prints different people and passwords, so no run reuses what Typst memoized for an
earlier one; the first run in the process (loading fonts) is reported like the others.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from campanella.lib.fake_people import fake_person
from campanella.lib.letters import CredentialLetter, render_credential_letters

# The alphabet the temporary passwords will use: no 0/O, 1/l/I look-alikes.
UNAMBIGUOUS_CHARACTERS = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SECTIONS = "ABCDEFGHILMN"
BORN = (datetime.date(2008, 1, 1), datetime.date(2013, 12, 31))


def classroom_name(number: int) -> str:
    """25 students a classroom, years 1 to 5, then the next section."""
    classroom = number // 25
    return f"{classroom % 5 + 1}ª {SECTIONS[classroom // 5 % len(SECTIONS)]} Liceo scientifico"


def make_letters(count: int, rng: random.Random) -> list[CredentialLetter]:
    letters = []
    for number in range(count):
        person = fake_person(rng, born_between=BORN)
        letters.append(
            CredentialLetter(
                institute_name="Istituto di Istruzione Superiore «Galileo Galilei»",
                school_name="Liceo scientifico «Galileo Galilei» – sede di Modena",
                classroom_name=classroom_name(number),
                person_name=f"{person.surname} {person.name}",
                role="studente",
                student_name="",
                username=f"S{100000 + number}K",
                temporary_password="".join(rng.choices(UNAMBIGUOUS_CHARACTERS, k=12)),
                login_url="https://registro.scuola.it/accedi/",
                issued_on=datetime.date(2026, 11, 23),
            )
        )
    return letters


def rss_mib() -> float:
    """Resident memory now (Linux); the allocator keeps freed pages, so it tracks the peak."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def one_run(count: int, rng: random.Random) -> tuple[float, float, int]:
    letters = make_letters(count, rng)
    cpu, wall = time.process_time(), time.perf_counter()
    pdf = render_credential_letters(letters, title="Credenziali studenti")
    return time.perf_counter() - wall, time.process_time() - cpu, len(pdf)


def bench_size(count: int, repeat: int, rng: random.Random) -> None:
    runs = [one_run(count, rng) for _ in range(repeat)]
    walls = [wall for wall, _, _ in runs]
    median = statistics.median(walls)
    print(
        f"{count:>5} lettere: mediana {median:.3f} s ({median / count * 1000:.1f} ms/pagina), "
        f"min {min(walls):.3f}, max {max(walls):.3f} s; CPU mediana "
        f"{statistics.median(cpu for _, cpu, _ in runs):.3f} s; "
        f"PDF {runs[-1][2] / 2**20:.1f} MiB; memoria residente {rss_mib():.0f} MiB"
    )


def print_machine() -> None:
    cpu = platform.processor() or platform.machine()
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        cpu,
    )
    print(
        f"Macchina: {model}, {os.cpu_count()} core, "
        f"{os.getloadavg()[0]:.1f} di carico medio (1 min), Python {platform.python_version()}"
    )


def _cpuinfo() -> list[str]:
    path = Path("/proc/cpuinfo")
    return path.read_text().splitlines() if path.exists() else []


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.letters")
    parser.add_argument("--sizes", type=int, nargs="+", default=[30, 1500])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print_machine()
    rng = random.Random(args.seed)
    for count in args.sizes:
        bench_size(count, args.repeat, rng)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Picco di memoria del processo: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
