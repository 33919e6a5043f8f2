from django.urls import path

from hooks import views

app_name = "hooks"
urlpatterns = [
    path("p/<slug:slug>/settings/webhooks/", views.webhook_list, name="webhook-list"),
    path("p/<slug:slug>/settings/webhooks/new", views.webhook_create, name="webhook-create"),
    path("p/<slug:slug>/settings/webhooks/<uuid:webhook_uuid>/active", views.webhook_toggle,
         name="webhook-toggle"),
    path("p/<slug:slug>/settings/webhooks/<uuid:webhook_uuid>/ping", views.webhook_ping,
         name="webhook-ping"),
    path("p/<slug:slug>/settings/webhooks/<uuid:webhook_uuid>/rotate", views.webhook_rotate,
         name="webhook-rotate"),
    path("p/<slug:slug>/settings/webhooks/<uuid:webhook_uuid>/delete", views.webhook_delete,
         name="webhook-delete"),
]
