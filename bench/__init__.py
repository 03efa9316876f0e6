"""Speed benchmarks: `python -m bench` runs them all, `python -m bench NAME` one (see docs/benchmarks.md)."""
