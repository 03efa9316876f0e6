from django.urls import path

from . import ads_views, views

app_name = "meta"

urlpatterns = [
    path("", views.connection_list, name="connection-list"),
    path("<int:pk>/disconnect/", views.connection_disconnect, name="connection-disconnect"),
    path("webhook/", views.webhook, name="webhook"),
    path("campaigns/<int:pk>/ads/", ads_views.campaign_ads, name="campaign-ads"),
    path("campaigns/<int:pk>/ads/resume/", ads_views.campaign_ads_resume, name="campaign-ads-resume"),
    path("campaigns/<int:pk>/ads/sync/", ads_views.campaign_ads_sync, name="campaign-ads-sync"),
    path("login/", views.login_start, name="login-start"),
    path("login/callback/", views.login_callback, name="login-callback"),
    path("login/pages/", views.login_pages, name="login-pages"),
]
