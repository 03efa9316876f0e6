"""A local fake of the Graph API for tests, benchmarks and the demo (see docs/meta-graph-api.md §9).

`campusvoice fakegraph --port 8765 --seed demo` serves it; tests use the `fake_graph` fixture.
"""

from .server import FakeGraphServer
from .state import DEMO_EXPIRED_TOKEN, DEMO_IG_USER_ID, DEMO_PAGE_ID, DEMO_PAGE_TOKEN, DEMO_USER_TOKEN

__all__ = [
    "DEMO_EXPIRED_TOKEN",
    "DEMO_IG_USER_ID",
    "DEMO_PAGE_ID",
    "DEMO_PAGE_TOKEN",
    "DEMO_USER_TOKEN",
    "FakeGraphServer",
]
