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
    path("p/<slug:slug>/shots/<int:shot_id>/references/add", views.reference_add,
         name="reference-add"),
    path("p/<slug:slug>/shots/<int:shot_id>/references/reorder", views.references_reorder,
         name="references-reorder"),
    path("p/<slug:slug>/references/<int:reference_id>/update", views.reference_update,
         name="reference-update"),
    path("p/<slug:slug>/references/<int:reference_id>/remove", views.reference_remove,
         name="reference-remove"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/again", views.take_again, name="take-again"),
    path("p/<slug:slug>/shots/<int:shot_id>/format-variants", views.take_format_variants,
         name="take-format-variants"),
]
urlpatterns += [
    path("p/<slug:slug>/batches/new/", views.batch_new, name="batch-new"),
    path("p/<slug:slug>/batches/<uuid:batch>/", views.batch_detail, name="batch-detail"),
]

from takes import review_views  # noqa: E402  (the review views, appended by the review work)

urlpatterns += [
    path("p/<slug:slug>/takes/<uuid:take_uuid>/review", review_views.take_review,
         name="take-review"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/decide", review_views.decide, name="take-decide"),
    path("p/<slug:slug>/takes/<uuid:take_uuid>/notes", review_views.note_create,
         name="note-add"),
    path("p/<slug:slug>/notes/<int:note_id>/reply", review_views.note_reply, name="note-reply"),
    path("p/<slug:slug>/notes/<int:note_id>/resolve", review_views.note_resolve_view,
         name="note-resolve"),
]
