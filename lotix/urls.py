from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.decorators.http import require_GET

from lotix.accounts import LoginView, api_tokens


@require_GET
def healthz(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("", include("projects.urls")),
    path("", include("shots.urls")),
    path("", include("assets.urls")),
    path("", include("takes.urls")),
    path("", include("hooks.urls")),
    path("", include("exports.urls")),
    path("", include("dailies.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/",
         auth_views.PasswordChangeView.as_view(http_method_names=["get", "post"]),
         name="password_change"),
    path("accounts/password/done/",
         auth_views.PasswordChangeDoneView.as_view(http_method_names=["get"]),
         name="password_change_done"),
    path("accounts/tokens/", api_tokens, name="api-tokens"),
    path("api/", include("lotix.api")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]
