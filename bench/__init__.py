"""Benchmarks: each measures our code against the simplest thing doing the same work."""
