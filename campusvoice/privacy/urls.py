from django.urls import path

from campusvoice.privacy import views

app_name = "privacy"

urlpatterns = [
    path("people/<int:pk>/", views.person_privacy, name="person"),
    path("people/<int:pk>/export/", views.person_export, name="person-export"),
    path("people/<int:pk>/erase/", views.person_erase, name="person-erase"),
    path("retention/", views.retention, name="retention"),
    path("status/", views.status, name="status"),
]
