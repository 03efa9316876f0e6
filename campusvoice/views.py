"""The front page: the per-campus dashboard, for every role (aggregates only)."""

from campusvoice.accounts.access import requires
from campusvoice.analytics.views import dashboard


@requires("dashboard.view")
def home(request):
    return dashboard(request)
