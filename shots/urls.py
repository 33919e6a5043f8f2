from django.urls import path

from shots import views

app_name = "shots"
urlpatterns = [
    path("p/<slug:slug>/", views.project_home, name="project-home"),
    path("p/<slug:slug>/import", views.shot_import, name="shot-import"),
    path("p/<slug:slug>/scenes/new", views.scene_create, name="scene-create"),
    path("p/<slug:slug>/scenes/<int:scene_id>/rename", views.scene_rename, name="scene-rename"),
    path("p/<slug:slug>/scenes/<int:scene_id>/move", views.scene_move, name="scene-move"),
    path("p/<slug:slug>/scenes/<int:scene_id>/shots/new", views.shot_create,
         name="shot-create"),
    path("p/<slug:slug>/scenes/<int:scene_id>/shots/order", views.shot_reorder,
         name="shot-reorder"),
    path("p/<slug:slug>/shots/<int:shot_id>/plan", views.shot_edit, name="shot-edit"),
    path("p/<slug:slug>/shots/<int:shot_id>/plan/preview", views.shot_preview,
         name="shot-preview"),
    path("p/<slug:slug>/shots/<int:shot_id>/rename", views.shot_rename, name="shot-rename"),
    path("p/<slug:slug>/shots/<int:shot_id>/move", views.shot_move, name="shot-move"),
    path("p/<slug:slug>/shots/<int:shot_id>/omit", views.shot_omit, name="shot-omit"),
    path("p/<slug:slug>/shots/<int:shot_id>/restore", views.shot_restore, name="shot-restore"),
    path("p/<slug:slug>/shots/<int:shot_id>/duplicate", views.shot_duplicate,
         name="shot-duplicate"),
]
