from django.urls import path

from campusvoice.supporters import views

app_name = "supporters"

urlpatterns = [
    path("", views.person_list, name="person-list"),
    path("export/<str:fmt>/", views.person_export, name="person-export"),
    path("lists/add/", views.saved_list_create, name="saved-list-create"),
    path("campuses/", views.campus_overview, name="campus-overview"),
    path("merges/", views.merge_list, name="merge-list"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
    path(
        "merges/suggestions/<int:pk>/dismiss/",
        views.merge_suggestion_dismiss,
        name="merge-suggestion-dismiss",
    ),
    path("<int:pk>/", views.person_detail, name="person-detail"),
    path("<int:pk>/tags/add/", views.person_tag_add, name="person-tag-add"),
    path("<int:pk>/tags/<int:tag_pk>/remove/", views.person_tag_remove, name="person-tag-remove"),
    path("<int:pk>/merge/<int:other_pk>/", views.person_merge, name="person-merge"),
]
