"""API v1 for exports: request a ZIP of approved takes, follow its progress, download it.

`exports.services.export_request` queues the build on the CPU worker, as the approved-takes
page does; the ZIP is served by the same `storage_response` (a signed URL on S3).
"""

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.views import storage_response
from exports import selectors, services
from exports.models import Export, ExportStatus
from lotix.pagination import PAGE_PARAMETERS, errors, page_of, paginated
from projects.roles import EXPORT
from projects.selectors import membership_for, require
from takes.api import AnyAccept


class ExportSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    scene = serializers.IntegerField(source="scene_id", allow_null=True)
    scene_code = serializers.CharField(source="scene.code", allow_null=True, default=None)
    status = serializers.ChoiceField(ExportStatus.choices)
    progress = serializers.FloatField(help_text="0 to 1.")
    take_count = serializers.IntegerField()
    missing_count = serializers.IntegerField()
    bytes = serializers.IntegerField()
    error = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True,
                                       default=None)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def _route_kwargs(self, export) -> dict:
        return {"slug": export.project.slug, "export_uuid": export.uuid}

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, export) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-export-detail", kwargs=self._route_kwargs(export)))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.SUCCEEDED or not export.file.name:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api-export-download", kwargs=self._route_kwargs(export)))


class ExportListApi(APIView):
    """The project's exports, newest first; or a new export of the project or one scene."""

    class ExportRequestSerializer(serializers.Serializer):
        scene = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         max_value=2**31 - 1,
                                         help_text="Only this scene; blank for the project.")

    serializer_class = ExportSerializer

    @extend_schema(operation_id="exports_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(ExportSerializer, "ExportPage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), EXPORT)
        rows = (Export.objects.filter(project=membership.project)
                .select_related("project", "scene", "created_by")
                .order_by("-created_at", "-id"))
        return paginated(request, rows, ExportSerializer, view=self)

    @extend_schema(operation_id="exports_request", request=ExportRequestSerializer,
                   responses={201: ExportSerializer, **errors()})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), EXPORT)
        data = self.ExportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scene_id = data.validated_data.get("scene")
        scene = selectors.scene_get(membership, scene_id) if scene_id else None
        export = services.export_request(membership=membership, scene=scene)
        row = selectors.export_get(membership, export.uuid)
        return Response(ExportSerializer(row, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ExportDetailApi(APIView):
    """An export's status and progress, and its download URL once the ZIP is built."""

    serializer_class = ExportSerializer

    @extend_schema(operation_id="exports_retrieve", responses={200: ExportSerializer,
                                                               **errors()})
    def get(self, request, slug, export_uuid):
        membership = require(membership_for(request.user, slug), EXPORT)
        export = selectors.export_get(membership, export_uuid)
        return Response(ExportSerializer(export, context={"request": request}).data)


class ExportDownloadApi(APIView):
    """The export's ZIP (media, OTIO, EDL, FCP XML, CSV manifest)."""

    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="exports_download",
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
                   (206, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY),
                   302: OpenApiResponse(description="Signed storage URL."), **errors(416)},
    )
    def get(self, request, slug, export_uuid):
        membership = require(membership_for(request.user, slug), EXPORT)
        export = selectors.export_get(membership, export_uuid)
        if export.status != ExportStatus.SUCCEEDED or not export.file.name:
            raise Http404("This export has no ZIP to download yet.")
        return storage_response(export.file.name, request=request._request,
                                download_name=export.download_name())


urlpatterns = [
    path("projects/<slug:slug>/exports/", ExportListApi.as_view(), name="api-export-list"),
    path("projects/<slug:slug>/exports/<uuid:export_uuid>/", ExportDetailApi.as_view(),
         name="api-export-detail"),
    path("projects/<slug:slug>/exports/<uuid:export_uuid>/download.zip",
         ExportDownloadApi.as_view(), name="api-export-download"),
]
