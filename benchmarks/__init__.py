"""Benchmarks of ksctl (issue 7): `python -m benchmarks [--quick]` writes benchmarks/RESULTS.md.

Every measurement runs in a fresh subprocess (`benchmarks.worker`), so that one run's memory
and caches do not pollute the next; each is repeated and the median reported, next to a
baseline measured in the same run (loading the YAML only; the floor of the read rate limit).
"""
