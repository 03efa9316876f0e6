"""/accounts/profile/api-tokens/: a member's own API tokens (pages, not the API)."""

from django.urls import path

from campusvoice.api import token_views

app_name = "api_tokens"

urlpatterns = [
    path("", token_views.token_list, name="token-list"),
    path("<int:pk>/revoke/", token_views.token_revoke, name="token-revoke"),
]
