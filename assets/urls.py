from django.urls import path

from assets import views

app_name = "assets"
urlpatterns = [
    path("p/<slug:slug>/assets/", views.asset_list, name="asset-list"),
    path("p/<slug:slug>/assets/upload", views.asset_upload, name="asset-upload"),
    path("p/<slug:slug>/files/<uuid:file_uuid>/usage", views.asset_file_usage,
         name="file-usage"),
    path("p/<slug:slug>/files/<uuid:file_uuid>/thumb.jpg", views.asset_file_media,
         {"variant": "thumb"}, name="file-thumb"),
    path("p/<slug:slug>/files/<uuid:file_uuid>/original", views.asset_file_media,
         {"variant": "original"}, name="file-original"),
]
