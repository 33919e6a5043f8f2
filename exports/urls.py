from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("p/<slug:slug>/approved/", views.approved, name="approved"),
    path("p/<slug:slug>/approved/<uuid:take_uuid>/download", views.take_download,
         name="take-download"),
    path("p/<slug:slug>/exports/", views.export_create, name="export-create"),
    path("p/<slug:slug>/exports/<uuid:export_uuid>/", views.export_status,
         name="export-status"),
    path("p/<slug:slug>/exports/<uuid:export_uuid>/download", views.export_download,
         name="export-download"),
]
