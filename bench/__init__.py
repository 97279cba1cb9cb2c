"""Benchmarks: seeded instance generator, direct-highspy yardstick and the timing harness.

Not part of the installed package and not run by CI; see bench/README.md.
"""
