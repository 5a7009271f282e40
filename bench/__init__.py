"""Benchmarks: scripts that print figures (see docs/performance.md). Never timed assertions in tests."""
