"""Benchmarks: measured here and reported in docs/, never asserted as timed tests."""
