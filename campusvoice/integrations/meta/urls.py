from django.urls import path

from . import views

app_name = "meta"

urlpatterns = [
    path("", views.connection_list, name="connection-list"),
    path("<int:pk>/disconnect/", views.connection_disconnect, name="connection-disconnect"),
    path("webhook/", views.webhook, name="webhook"),
]
