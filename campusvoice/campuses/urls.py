from django.urls import path

from campusvoice.campuses import views

app_name = "campuses"

urlpatterns = [
    path("", views.campus_list, name="list"),
    path("priority/", views.priority, name="priority"),
    path("import/", views.campus_import, name="import"),
]
