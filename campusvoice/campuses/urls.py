from django.urls import path

from campusvoice.campuses import views

app_name = "campuses"

urlpatterns = [
    path("", views.campus_list, name="list"),
    path("<int:pk>/", views.campus_detail, name="detail"),
    path("<int:pk>/coordinates/", views.campus_coordinates, name="coordinates-edit"),
    path("<int:pk>/groups/add/", views.group_create, name="group-create"),
    path("groups/<int:pk>/edit/", views.group_update, name="group-update"),
    path("groups/<int:pk>/delete/", views.group_delete, name="group-delete"),
    path("<int:pk>/newspapers/add/", views.newspaper_create, name="newspaper-create"),
    path("newspapers/<int:pk>/edit/", views.newspaper_update, name="newspaper-update"),
    path("newspapers/<int:pk>/delete/", views.newspaper_delete, name="newspaper-delete"),
    path("<int:pk>/contacts/add/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/edit/", views.contact_update, name="contact-update"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("support/", views.resource_list, name="resource-list"),
    path("support/add/", views.resource_create, name="resource-create"),
    path("<int:pk>/support/add/", views.resource_create, name="campus-resource-create"),
    path("support/<int:pk>/edit/", views.resource_update, name="resource-update"),
    path("support/<int:pk>/delete/", views.resource_delete, name="resource-delete"),
    path("priority/", views.priority, name="priority"),
    path("shortlists/", views.shortlist_list, name="shortlist-list"),
    path("shortlists/add/", views.shortlist_create, name="shortlist-create"),
    path("shortlists/<int:pk>/", views.shortlist_detail, name="shortlist-detail"),
    path("shortlists/<int:pk>/delete/", views.shortlist_delete, name="shortlist-delete"),
    path(
        "shortlists/<int:pk>/entries/<int:entry_pk>/move/",
        views.shortlist_entry_move,
        name="shortlist-entry-move",
    ),
    path(
        "shortlists/<int:pk>/entries/<int:entry_pk>/remove/",
        views.shortlist_entry_remove,
        name="shortlist-entry-remove",
    ),
    path("import/", views.campus_import, name="import"),
]
