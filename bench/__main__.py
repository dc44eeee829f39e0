"""Run the benchmarks: `python -m bench seed [--students N]` or `python -m bench
council_documents`; the others are modules of their own: `python -m bench.letters`,
`python -m bench.import_rows`, `python -m bench.roll_call`, `python -m bench.grades_pages`,
`python -m bench.family_pages`, `python -m bench.publication_peak`,
`python -m bench.attendance_export`, `python -m bench.attendance_import`,
`python -m bench.attendance_crash` (see docs/benchmarks.md).
`python -m bench attendance_import` is the attendance import's run (25,000 and 100,000 events).
`python -m bench publication_peak` is that peak's quick check (120 students, a 30 s window)."""

from __future__ import annotations

import argparse
import sys

from bench import attendance_import, council_documents, publication_peak, seed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "which",
        nargs="?",
        default="seed",
        choices=["seed", "council_documents", "publication_peak", "attendance_import"],
    )
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    if args.which == "council_documents":
        return council_documents.run(students=args.students or 28, repeat=args.repeat or 5)
    if args.which == "publication_peak":
        quick = ["--quick"] + (["--students", str(args.students)] if args.students else [])
        return publication_peak.main(quick)
    if args.which == "attendance_import":
        students = ["--students", str(args.students)] if args.students else []
        return attendance_import.main(students)
    if args.which == "seed":
        return seed.run(students=args.students or 1500, repeat=args.repeat or 3)
    return 2


if __name__ == "__main__":
    sys.exit(main())
