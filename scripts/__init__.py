"""Seeding, checking and benchmarking the stairway; used by tasks.py and the tests."""
