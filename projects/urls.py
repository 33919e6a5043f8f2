from django.urls import path

from projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("p/<slug:slug>/members/", views.member_list, name="member-list"),
    path("p/<slug:slug>/members/invite", views.invite_create, name="invite-create"),
    path("p/<slug:slug>/members/leave", views.member_leave, name="member-leave"),
    path("p/<slug:slug>/members/<int:membership_id>/role", views.member_change_role,
         name="member-change-role"),
    path("p/<slug:slug>/members/<int:membership_id>/remove", views.member_remove,
         name="member-remove"),
    path("p/<slug:slug>/invites/<int:invite_id>/resend", views.invite_resend,
         name="invite-resend"),
    path("p/<slug:slug>/invites/<int:invite_id>/revoke", views.invite_revoke,
         name="invite-revoke"),
    path("invites/<str:token>/", views.invite_accept, name="invite-accept"),
]
