from django.urls import path

from campusvoice.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("add/", views.campaign_create, name="create"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_update, name="update"),
    path("<int:pk>/calendar/", views.campaign_calendar, name="calendar"),
    path("<int:pk>/export/", views.campaign_export, name="export"),
    path("<int:pk>/themes/", views.campaign_themes, name="themes"),
    path("<int:pk>/reach/import/", views.reach_import, name="reach-import"),
    path("<int:pk>/submit-all/", views.bulk_submit, name="bulk-submit"),
    path("<int:pk>/approve-all/", views.bulk_approve, name="bulk-approve"),
    path("<int:pk>/schedule-all/", views.bulk_schedule, name="bulk-schedule"),
    path("<int:pk>/templates/add/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_preview, name="template-preview"),
    path("templates/<int:pk>/edit/", views.template_update, name="template-update"),
    path("templates/<int:pk>/render/", views.template_render, name="template-render"),
    path("items/<int:pk>/", views.item_detail, name="item-detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item-edit"),
    path("items/<int:pk>/submit/", views.item_submit, name="item-submit"),
    path("items/<int:pk>/approve/", views.item_approve, name="item-approve"),
    path("items/<int:pk>/return/", views.item_reject, name="item-reject"),
    path("items/<int:pk>/schedule/", views.item_schedule, name="item-schedule"),
    path("items/<int:pk>/unschedule/", views.item_unschedule, name="item-unschedule"),
    path("items/<int:pk>/published/", views.item_mark_published, name="item-mark-published"),
    path("items/<int:pk>/publish/", views.item_publish_now, name="item-publish"),
    path("allies/", views.ally_list, name="ally-list"),
    path("allies/add/", views.ally_create, name="ally-create"),
    path("allies/<int:pk>/edit/", views.ally_update, name="ally-update"),
    path("allies/<int:pk>/delete/", views.ally_delete, name="ally-delete"),
    path("allies/<int:pk>/fetch/", views.ally_fetch, name="ally-fetch"),
    path("allies/items/<int:pk>/share/", views.ally_item_share, name="ally-item-share"),
]
