"""Run the benchmarks: `python -m bench seed [--students N]`; the others are modules of their
own: `python -m bench.letters`, `python -m bench.import_rows`, `python -m bench.roll_call`,
`python -m bench.grades_pages`, `python -m bench.family_pages` (see docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import sys

from bench import seed


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("which", nargs="?", default="seed", choices=["seed"])
    parser.add_argument("--students", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.which == "seed":
        return seed.run(students=args.students, repeat=args.repeat)
    return 2


if __name__ == "__main__":
    sys.exit(main())
