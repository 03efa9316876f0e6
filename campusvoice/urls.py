from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from campusvoice.accounts.access import public
from campusvoice.analytics.views import dashboard
from campusvoice.privacy.views import health

urlpatterns = [
    path("", dashboard, name="home"),  # the front page is the per-campus dashboard
    path("i18n/setlang/", public(set_language), name="set-language"),
    path("accounts/", include("campusvoice.accounts.urls")),
    path("campuses/", include("campusvoice.campuses.urls")),
    path("campaigns/", include("campusvoice.campaigns.urls")),
    path("inbox/", include("campusvoice.conversations.urls")),
    path("supporters/", include("campusvoice.supporters.urls")),
    path("petitions/", include("campusvoice.petitions.urls")),
    path("p/", include("campusvoice.petitions.public_urls")),
    path("outreach/", include("campusvoice.outreach.urls")),
    path("integrations/meta/", include("campusvoice.integrations.meta.urls")),
    path("analytics/", include("campusvoice.analytics.urls")),
    path("privacy/", include("campusvoice.privacy.urls")),
    path("health/", health, name="health"),
    path("api/v2/", include("campusvoice.api.urls")),
    path("accounts/profile/api-tokens/", include("campusvoice.api.token_urls")),
    path("admin/", admin.site.urls),
]

# The 500 page shows the request id; 400, 403 and 404 show it through their templates.
handler500 = "campusvoice.ops.views.server_error"
