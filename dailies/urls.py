from django.urls import path

from dailies import views

app_name = "dailies"
ROOM = "p/<slug:slug>/dailies/<int:session_id>/"
GUEST = "d/<str:token>/"
urlpatterns = [
    path("p/<slug:slug>/dailies/", views.dailies_list, name="dailies-list"),
    path("p/<slug:slug>/dailies/new", views.dailies_create, name="dailies-create"),
    path(ROOM, views.dailies_room, name="dailies-room"),
    path(ROOM + "chooser", views.dailies_chooser, name="dailies-chooser"),
    path(ROOM + "entries/add", views.dailies_entry_add, name="dailies-entry-add"),
    path(ROOM + "entries/<uuid:take_uuid>/remove", views.dailies_entry_remove,
         name="dailies-entry-remove"),
    path(ROOM + "close", views.dailies_close, name="dailies-close"),
    path(ROOM + "summary", views.dailies_summary, name="dailies-summary"),
    path(ROOM + "summary.csv", views.dailies_summary_csv, name="dailies-summary-csv"),
    path(ROOM + "presence", views.dailies_presence, name="dailies-presence"),
    path(ROOM + "links/", views.share_links, name="share-links"),
    path(ROOM + "links/new", views.share_link_create, name="share-link-create"),
    path(ROOM + "links/<int:link_id>/revoke", views.share_link_revoke, name="share-link-revoke"),
    path(GUEST, views.guest_room, name="guest-room"),
    path(GUEST + "takes/<uuid:take_uuid>/", views.guest_review, name="guest-review"),
    path(GUEST + "takes/<uuid:take_uuid>/notes", views.guest_note_add, name="guest-note-add"),
    path(GUEST + "takes/<uuid:take_uuid>/video.mp4", views.guest_media, {"kind": "video"},
         name="guest-video"),
    path(GUEST + "takes/<uuid:take_uuid>/poster.jpg", views.guest_media, {"kind": "poster"},
         name="guest-poster"),
    path(GUEST + "takes/<uuid:take_uuid>/filmstrip.jpg", views.guest_media,
         {"kind": "filmstrip"}, name="guest-filmstrip"),
    path(GUEST + "takes/<uuid:take_uuid>/last.png", views.guest_media, {"kind": "last"},
         name="guest-last"),
]
