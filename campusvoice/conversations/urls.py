from django.urls import path

from campusvoice.conversations import views

app_name = "conversations"

# Comments are named by number only: their text never goes in a URL.
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("disclosures/", views.disclosures, name="disclosures"),
    path("poll/", views.inbox_poll, name="inbox-poll"),
    path("new/", views.inbox_new, name="inbox-new"),
    path("bulk/", views.comment_bulk, name="comment-bulk"),
    path("metrics/", views.metrics, name="metrics"),
    path("<int:pk>/", views.comment_detail, name="comment-detail"),
    path("<int:pk>/reply/", views.comment_reply, name="comment-reply"),
    path("<int:pk>/assign/", views.comment_assign, name="comment-assign"),
    path("<int:pk>/done/", views.comment_done, name="comment-done"),
    path("<int:pk>/reopen/", views.comment_reopen, name="comment-reopen"),
    path("<int:pk>/hide/", views.comment_hide, name="comment-hide"),
    path("<int:pk>/unhide/", views.comment_unhide, name="comment-unhide"),
    path("<int:pk>/label/", views.comment_label, name="comment-label"),
]
