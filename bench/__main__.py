"""Run the benchmarks: `python -m bench seed [--students N]` or `python -m bench
council_documents`; the others are modules of their own: `python -m bench.letters`,
`python -m bench.import_rows`, `python -m bench.roll_call`, `python -m bench.grades_pages`,
`python -m bench.family_pages` (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import sys

from bench import council_documents, seed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("which", nargs="?", default="seed", choices=["seed", "council_documents"])
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=None)
    args = parser.parse_args()
    if args.which == "council_documents":
        return council_documents.run(students=args.students or 28, repeat=args.repeat or 5)
    if args.which == "seed":
        return seed.run(students=args.students or 1500, repeat=args.repeat or 3)
    return 2


if __name__ == "__main__":
    sys.exit(main())
