from django.urls import path

from campusvoice.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("campus/<int:pk>/", views.campus_detail, name="campus-detail"),
    path("compare/", views.compare, name="compare"),
    path("export/<str:fmt>/", views.table_export, name="table-export"),
    path("report/<slug:slug>/", views.impact_report, name="report"),
    path("report/<slug:slug>/pdf/", views.impact_report_pdf, name="report-pdf"),
]
