"""Measurements behind `scripts/benchmark.py`: each returns plain dicts, never prints."""
