from django.urls import path

from campusvoice.petitions import views

app_name = "petitions"

urlpatterns = [
    path("", views.petition_list, name="petition-list"),
    path("new/", views.petition_edit, name="petition-create"),
    path("mail/", views.mail_queue, name="mail-queue"),
    path("stories/", views.story_list, name="story-list"),
    path("stories/<int:pk>/", views.story_detail, name="story-detail"),
    path("<int:pk>/", views.petition_detail, name="petition-detail"),
    path("<int:pk>/edit/", views.petition_edit, name="petition-update"),
    path("<int:petition_pk>/versions/new/", views.version_edit, name="version-create"),
    path("versions/<int:pk>/edit/", views.version_edit, name="version-update"),
    path("<int:pk>/signatures/", views.signature_list, name="signature-list"),
    path("<int:pk>/signatures/export/<str:fmt>/", views.signature_export, name="signature-export"),
    path("signatures/<int:pk>/void/", views.signature_void, name="signature-void"),
    path("<int:pk>/delivery.pdf", views.petition_delivery, name="petition-delivery"),
]
