from django.urls import path

from shots import views

app_name = "shots"
urlpatterns = [
    path("p/<slug:slug>/", views.project_home, name="project-home"),
]
