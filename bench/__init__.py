"""Benchmarks (`make bench`); results go to docs/benchmarks.md with the command and machine."""
