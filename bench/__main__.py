"""Run every benchmark: `make bench` (or `python -m bench`)."""

from bench import unit_import

for benchmark in (unit_import,):
    benchmark.main()
