"""API v1 for the asset library: assets with their files, and multipart upload.

The upload runs exactly as the library page's upload does: the same byte limits enforced by
`SizeLimitUploadHandler` while the body streams in (installed before anything parses the body,
authentication's CSRF check included), then `assets.services.asset_files_upload`.
"""


from django.conf import settings
from django.db.models import Prefetch
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import selectors, services
from assets.models import Asset, AssetFile, AssetKind, MediaKind, UsageApproval
from assets.uploads import BODY_REFUSALS, upload_body_refused, upload_limiter_install
from assets.validation import TooManyFiles
from lotix.errors import api_error, error_code
from lotix.pagination import PAGE_PARAMETERS, errors, page_of, paginated
from projects.roles import PLAN, VIEW
from projects.selectors import membership_for, require


class AssetFileSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    asset = serializers.IntegerField(source="asset_id")
    original_name = serializers.CharField()
    media_kind = serializers.ChoiceField(MediaKind.choices)
    format = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    duration_s = serializers.FloatField(allow_null=True)
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    source = serializers.CharField()
    rights_owner = serializers.CharField()
    approval = serializers.ChoiceField(UsageApproval.choices)
    client_use_notes = serializers.CharField()
    preflight = serializers.ListField(child=serializers.DictField())
    created_at = serializers.DateTimeField()
    original_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def _url(self, asset_file, name) -> str:
        slug = self.context["slug"]
        return self.context["request"].build_absolute_uri(
            reverse(name, kwargs={"slug": slug, "file_uuid": asset_file.uuid}))

    @extend_schema_field(OpenApiTypes.URI)
    def get_original_url(self, asset_file) -> str:
        return self._url(asset_file, "assets:file-original")

    @extend_schema_field(OpenApiTypes.URI)
    def get_thumbnail_url(self, asset_file) -> str:
        return self._url(asset_file, "assets:file-thumb")


class AssetSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(AssetKind.choices)
    name = serializers.CharField()
    continuity_notes = serializers.CharField()
    created_at = serializers.DateTimeField()
    files = AssetFileSerializer(many=True, source="files.all")


class AssetListApi(APIView):
    """The project's assets, by kind and name, each with its files."""

    serializer_class = AssetSerializer

    @extend_schema(operation_id="assets_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(AssetSerializer, "AssetPage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        files = AssetFile.objects.order_by("created_at", "pk")
        assets = (selectors.assets_of_project(membership).order_by("kind", "name", "pk")
                  .prefetch_related(Prefetch("files", queryset=files)))
        return paginated(request, assets, AssetSerializer, view=self,
                         context={"slug": membership.project.slug})


class UploadResultSerializer(serializers.Serializer):
    asset = AssetSerializer()
    accepted = AssetFileSerializer(many=True)
    refused = serializers.ListField(child=serializers.DictField(),
                                    help_text="{name, code, message} per refused file.")


class AssetUploadApi(APIView):
    """Upload up to nine images or reference videos into an asset (or a new one), multipart.

    Each file is stored or refused on its own: 201 when at least one was stored (the refused
    ones are listed), otherwise an error naming each refusal in `fields.files`.
    """

    parser_classes = [MultiPartParser]
    serializer_class = UploadResultSerializer

    class AssetUploadSerializer(serializers.Serializer):
        files = serializers.ListField(child=serializers.FileField(), required=False,
                                      help_text="One to nine image or video files.")
        asset = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         max_value=2**31 - 1,
                                         help_text="An asset of the project; blank for new.")
        name = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                     default="")
        kind = serializers.ChoiceField(AssetKind.choices, required=False,
                                       allow_blank=True, default="")
        source = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                       default="")
        rights_owner = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                             default="")
        approval = serializers.ChoiceField(UsageApproval.choices, required=False,
                                           default=UsageApproval.PENDING)

    def initial(self, request, *args, **kwargs):
        # Before authentication: a session's CSRF check would otherwise parse the body first
        # with Django's unlimited upload handlers.
        self.limiter = upload_limiter_install(request._request)
        try:
            super().initial(request, *args, **kwargs)
        except BODY_REFUSALS as error:
            raise upload_body_refused(request._request, error) from None

    @extend_schema(operation_id="assets_upload",
                   request={"multipart/form-data": AssetUploadSerializer},
                   responses={201: UploadResultSerializer, **errors(409, 413)})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), PLAN)
        try:
            uploads = request.FILES.getlist("files")
            fields = request.POST
        except BODY_REFUSALS as error:
            raise upload_body_refused(request._request, error) from None
        try:
            if self.limiter.refused is not None:
                raise self.limiter.refused
            data = self.AssetUploadSerializer(data=fields)
            data.is_valid(raise_exception=True)
            values = data.validated_data
            if len(uploads) > settings.DATA_UPLOAD_MAX_NUMBER_FILES:
                raise TooManyFiles(f"Upload at most {settings.DATA_UPLOAD_MAX_NUMBER_FILES} "
                                   "files at a time.")
            problems = {}
            if not uploads:
                problems["files"] = ["Choose at least one file to upload."]
            asset = None
            if values.get("asset"):
                asset = Asset.objects.filter(project=membership.project,
                                             pk=values["asset"]).first()
                if asset is None:
                    problems["asset"] = ["No such asset in this project."]
            else:
                if not " ".join(values["name"].split()):
                    problems["name"] = ["Choose an asset, or name the new one."]
                if not values["kind"]:
                    problems["kind"] = ["Choose the new asset's kind."]
            if problems:
                raise serializers.ValidationError(problems)
            outcome = services.asset_files_upload(
                project=membership.project, actor=request.user, uploads=uploads, asset=asset,
                kind=values["kind"], name=values["name"], source=values["source"],
                rights_owner=values["rights_owner"], approval=values["approval"],
            )
        finally:
            for upload in uploads:
                upload.close()
        refused = [{"name": name, "code": error_code(error),
                    "message": error.message} for name, error in outcome.refused]
        if not outcome.accepted:
            first = outcome.refused[0]
            return api_error(outcome.status_code, refused[0]["code"],
                             f"{first[0]}: {first[1].message}",
                             fields={"files": [f"{r['name']}: {r['message']}" for r in refused]})
        context = {"request": request, "slug": membership.project.slug}
        asset = Asset.objects.prefetch_related(
            Prefetch("files", queryset=AssetFile.objects.order_by("created_at", "pk"))
        ).get(pk=outcome.asset.pk)
        return Response({
            "asset": AssetSerializer(asset, context=context).data,
            "accepted": AssetFileSerializer(outcome.accepted, many=True, context=context).data,
            "refused": refused,
        }, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("projects/<slug:slug>/assets/", AssetListApi.as_view(), name="api-asset-list"),
    path("projects/<slug:slug>/assets/upload/", AssetUploadApi.as_view(),
         name="api-asset-upload"),
]
