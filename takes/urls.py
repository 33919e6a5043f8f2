from django.urls import path

from takes import views

app_name = "takes"
urlpatterns = [
    path("p/<slug:slug>/shots/<int:shot_id>/", views.shot_page, name="shot-page"),
    path("p/<slug:slug>/shots/<int:shot_id>/takes", views.shot_takes, name="shot-takes"),
    path("p/<slug:slug>/shots/<int:shot_id>/generate", views.take_generate,
         name="take-generate"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/cancel", views.take_cancel, name="take-cancel"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/continue", views.take_continue,
         name="take-continue"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/video.mp4", views.take_media, {"kind": "video"},
         name="take-video"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/poster.jpg", views.take_media,
         {"kind": "poster"}, name="take-poster"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/filmstrip.jpg", views.take_media,
         {"kind": "filmstrip"}, name="take-filmstrip"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/last.png", views.take_media, {"kind": "last"},
         name="take-last"),
]
