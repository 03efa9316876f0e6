"""/api/v2/: the OSDI API. Paths take an optional trailing slash, because Action Network's own
links have none and its clients (parsons) build URLs without one; links we write have none."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from campusvoice.accounts.access import public
from campusvoice.api import views

app_name = "api"

ID = r"(?P<pk>[0-9]{1,18})"

urlpatterns = [
    path("", views.EntryPointApi.as_view(), name="entry-point"),
    # The API's description is public: it is the same for every deployment, like the source.
    path("schema/", public(SpectacularAPIView.as_view()), name="schema"),
    re_path(r"^people/?$", views.PersonListApi.as_view(), name="person-list"),
    re_path(rf"^people/{ID}/?$", views.PersonDetailApi.as_view(), name="person-detail"),
    re_path(r"^petitions/?$", views.PetitionListApi.as_view(), name="petition-list"),
    re_path(rf"^petitions/{ID}/?$", views.PetitionDetailApi.as_view(), name="petition-detail"),
    re_path(
        r"^petitions/(?P<petition_pk>[0-9]{1,18})/signatures/?$",
        views.SignatureListApi.as_view(),
        name="signature-list",
    ),
    re_path(
        rf"^petitions/(?P<petition_pk>[0-9]{{1,18}})/signatures/{ID}/?$",
        views.SignatureDetailApi.as_view(),
        name="signature-detail",
    ),
    re_path(r"^tags/?$", views.TagListApi.as_view(), name="tag-list"),
    re_path(rf"^tags/{ID}/?$", views.TagDetailApi.as_view(), name="tag-detail"),
    re_path(
        r"^tags/(?P<tag_pk>[0-9]{1,18})/taggings/?$", views.TaggingListApi.as_view(), name="tagging-list"
    ),
    re_path(
        rf"^tags/(?P<tag_pk>[0-9]{{1,18}})/taggings/{ID}/?$",
        views.TaggingDetailApi.as_view(),
        name="tagging-detail",
    ),
]
