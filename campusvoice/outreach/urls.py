from django.urls import path

from campusvoice.outreach import views

app_name = "outreach"

urlpatterns = [
    path("", views.letter_list, name="letter-list"),
    path("templates/", views.template_list, name="template-list"),
    path("templates/new/", views.template_edit, name="template-create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-update"),
    path("campaigns/<int:campaign_pk>/prepare/", views.letters_prepare, name="letters-prepare"),
    path("campaigns/<int:campaign_pk>/letters.<str:fmt>.zip", views.letters_zip, name="letters-zip"),
    path("campaigns/<int:campaign_pk>/email/", views.letters_email, name="letters-email"),
    path("campaigns/<int:campaign_pk>/preview/", views.letters_preview, name="letters-preview"),
    path("letters/<int:pk>/", views.letter_detail, name="letter-detail"),
    path("letters/<int:pk>/quotes/", views.letter_quotes, name="letter-quotes"),
    path("letters/<int:pk>/letter.<str:fmt>", views.letter_download, name="letter-download"),
    path("letters/<int:pk>/email/", views.letter_email, name="letter-email"),
    path("campaigns/<int:campaign_pk>/board/", views.board, name="board"),
    path("relationships/new/", views.relationship_create, name="relationship-create"),
    path("relationships/<int:pk>/", views.relationship_detail, name="relationship-detail"),
    path("relationships/<int:pk>/edit/", views.relationship_update, name="relationship-update"),
    path("relationships/<int:pk>/move/", views.relationship_move, name="relationship-move"),
    path("relationships/<int:pk>/events/", views.relationship_event_add, name="relationship-event-add"),
    path("coverage/", views.article_list, name="article-list"),
    path("coverage/add/", views.article_add, name="article-add"),
    path("coverage/<int:pk>/review/", views.article_review, name="article-review"),
    path("coverage/sources/", views.source_list, name="source-list"),
    path("coverage/sources/check/", views.sources_check, name="sources-check"),
]
