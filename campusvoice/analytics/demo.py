"""Demo figures: rebuild the dashboard's summary from the demo rows the other loaders made.

Runs last, so the dashboard and the impact report show the demo's comments, signatures and
people straight away rather than after the worker's first refresh. Running it again rebuilds
the same rows.
"""

from campusvoice.analytics import services


def load(*, stdout) -> None:
    """Rebuild every day's figures and warm the dashboard cache."""
    rows = services.analytics_refresh(since=None)
    stdout.write(f"analytics: {rows} daily rows rebuilt for the dashboard and the impact report\n")
