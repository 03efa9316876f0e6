from django.urls import path

from campusvoice.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("profile/", views.profile, name="profile"),
    path("members/", views.user_list, name="user-list"),
    path("members/new/", views.user_create, name="user-create"),
    path("members/<int:pk>/", views.user_update, name="user-update"),
    path("audit/", views.audit_log, name="audit-log"),
]
