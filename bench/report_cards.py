"""1,000 report cards (issue 13: under 20 s on one core with Typst, memory under 1 GiB).

What it renders: classrooms of 28 students × 12 subjects, final session of a 4th year of liceo
(marks in figures and letters, hours absent, behaviour with its reason, civic education, the
average, credits, outcomes with suspended and non-admitted students) — the data of
bench.council_documents, new people and marks for every classroom so Typst cannot reuse an
earlier layout. Two ways, each timed on its own:

* `singoli`: each student's report card as its own tagged PDF (`lib.report_cards.report_card_pdf`,
  what a family's first download or the bundle job makes and keeps);
* `pacchetti`: each classroom's report cards in one PDF (`report_cards_pdf`, the bundle).

Reported: wall and CPU time (the process's, Typst's threads included), the rate, the resident
memory after each way (it tracks the peak: the allocator keeps freed pages). For "one core",
run it under `taskset -c 0`.

Run from the project root:
    [taskset -c 0] .venv/bin/python -m bench.report_cards [--cards 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from bench.council_documents import make_session
from bench.letters import print_machine, rss_mib
from campanella.lib.report_cards import report_card_pdf, report_cards_pdf

TARGET_SECONDS = 20.0
TARGET_MIB = 1024.0
CLASS_SIZE = 28


def individual(cards: int, rng: random.Random) -> tuple[float, float, int]:
    done = size = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while done < cards:
        session = make_session(rng, CLASS_SIZE)
        for student in session.students[: cards - done]:
            size += len(report_card_pdf(session, student.key))
            done += 1
    return time.perf_counter() - wall, time.process_time() - cpu, size


def bundles(cards: int, rng: random.Random) -> tuple[float, float, int]:
    done = size = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while done < cards:
        session = make_session(rng, CLASS_SIZE)
        keys = [s.key for s in session.students[: cards - done]]
        size += len(report_cards_pdf(session, keys))
        done += len(keys)
    return time.perf_counter() - wall, time.process_time() - cpu, size


def run(*, cards: int = 1000, seed: int = 1) -> int:
    print_machine()
    affinity = len(os.sched_getaffinity(0))
    print(f"{cards} pagelle, classi di {CLASS_SIZE} studenti × 12 materie; core: {affinity}")
    rng = random.Random(seed)
    report_card_pdf(make_session(rng, 2), "0")  # fonts and templates loaded outside the timings
    ok = True
    for label, way in (("singoli", individual), ("pacchetti di classe", bundles)):
        wall, cpu, size = way(cards, rng)
        memory = rss_mib()
        met = wall < TARGET_SECONDS and memory < TARGET_MIB
        ok = ok and met
        print(
            f"{label:>20}: {wall:.1f} s ({cards / wall:.0f} pagelle/s), CPU {cpu:.1f} s, "
            f"PDF {size / 2**20:.1f} MiB in tutto, memoria residente {memory:.0f} MiB — "
            f"{'entro' if met else 'OLTRE'} {TARGET_SECONDS:.0f} s e {TARGET_MIB:.0f} MiB"
        )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_cards")
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return run(cards=args.cards, seed=args.seed)


if __name__ == "__main__":
    sys.exit(main())
