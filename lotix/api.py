"""The /api/ URL tree: v1 operations, the OpenAPI schema and its browsable docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("v1/", include("projects.api")),
    path("v1/", include("shots.api")),
    path("v1/", include("assets.api")),
    path("v1/", include("takes.api")),
    path("v1/", include("dailies.api")),
    path("v1/", include("exports.api")),
    path("v1/", include("hooks.api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]


def api_not_found(request, rest=""):
    """Any other path under /api/: a 404 in the API's error format, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"error": {"code": "not_found", "message": "No such API endpoint; "
                                   "see /api/docs/ for the operations."}}, status=404)


# Keep last: everything above it wins.
urlpatterns += [path("<path:rest>", api_not_found, name="api-not-found")]
