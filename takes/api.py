"""API v1 for references, takes, decisions and GPU usage: one APIView per operation.

Every view passes the same gate as the pages (membership_for → require) and writes only
through the services the pages use: shots.services.shot_reference_* for references,
takes.services.take_request / take_cancel / take_again / take_decide for takes.
Media are served by the same `storage_response` as the pages' media views (byte ranges
locally, a short-lived signed URL on S3), so a token can download them.
"""


from django.db.models.fields.json import KeyTransform
from django.urls import path, reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from assets.selectors import asset_file_get
from assets.views import storage_response
from lotix.pagination import (
    PAGE_PARAMETERS,
    KeyPage,
    errors,
    in_key_order,
    no_content,
    page_of,
    paginated,
)
from projects.roles import COMMENT, DECIDE, GENERATE, PLAN, VIEW
from projects.selectors import membership_for, require
from shots.models import ReferenceJob, ReferenceRole, ShotReference
from shots.services import shot_reference_add, shot_reference_remove, shot_reference_update
from takes import selectors, services
from takes.models import Note, ReviewState, Take, TakeDecision, TakeStatus
from takes.review import qc_flags

INT_MAX = 2**31 - 1


# --- references ---------------------------------------------------------------------------

class ReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shot = serializers.IntegerField(source="shot_id")
    asset_file = serializers.UUIDField(source="asset_file.uuid")
    asset = serializers.CharField(source="asset_file.asset.name")
    media_kind = serializers.CharField(source="asset_file.media_kind")
    width = serializers.IntegerField(source="asset_file.width")
    height = serializers.IntegerField(source="asset_file.height")
    role = serializers.ChoiceField(ReferenceRole.choices)
    job = serializers.ChoiceField(ReferenceJob.choices)
    instruction = serializers.CharField()
    priority = serializers.IntegerField()
    warnings = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_warnings(self, reference) -> list:
        return self.context.get("warnings", {}).get(reference.pk, [])


def _reference_response(membership, reference_id, status_code=200):
    reference = selectors.reference_get(membership, reference_id)
    shot = selectors.shot_get(membership, reference.shot_id)
    context = {"warnings": selectors.reference_warnings(shot)}
    return Response(ReferenceSerializer(reference, context=context).data, status=status_code)


class ReferenceListApi(APIView):
    """The shot's references in priority order, with warnings; or attach a library file."""

    class ReferenceAddSerializer(serializers.Serializer):
        asset_file = serializers.UUIDField(help_text="A file of the project's asset library.")
        role = serializers.ChoiceField(ReferenceRole.choices)
        job = serializers.ChoiceField(ReferenceJob.choices)
        instruction = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                            default="")

    serializer_class = ReferenceSerializer

    @extend_schema(operation_id="references_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(ReferenceSerializer, "ReferencePage"), **errors()})
    def get(self, request, slug, shot_id):
        membership = require(membership_for(request.user, slug), VIEW)
        shot = selectors.shot_get(membership, shot_id)
        rows = (ShotReference.objects.filter(shot=shot)
                .select_related("asset_file__asset").order_by("priority", "id"))
        return paginated(request, rows, ReferenceSerializer, view=self,
                         context={"warnings": selectors.reference_warnings(shot)})

    @extend_schema(operation_id="references_add", request=ReferenceAddSerializer,
                   responses={201: ReferenceSerializer, **errors(409)})
    def post(self, request, slug, shot_id):
        membership = require(membership_for(request.user, slug), PLAN)
        shot = selectors.shot_get(membership, shot_id)
        data = self.ReferenceAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        asset_file = asset_file_get(membership, values["asset_file"])
        reference = shot_reference_add(shot=shot, actor=request.user, asset_file=asset_file,
                                       role=values["role"], job=values["job"],
                                       instruction=values["instruction"])
        return _reference_response(membership, reference.pk, status.HTTP_201_CREATED)


class ReferenceDetailApi(APIView):
    """Change a reference's role, job or instruction; or detach it from its shot."""

    class ReferenceUpdateSerializer(serializers.Serializer):
        role = serializers.ChoiceField(ReferenceRole.choices, required=False)
        job = serializers.ChoiceField(ReferenceJob.choices, required=False)
        instruction = serializers.CharField(max_length=300, required=False, allow_blank=True)

    serializer_class = ReferenceSerializer

    @extend_schema(operation_id="references_update", request=ReferenceUpdateSerializer,
                   responses={200: ReferenceSerializer, **errors(409)})
    def patch(self, request, slug, reference_id):
        membership = require(membership_for(request.user, slug), PLAN)
        reference = selectors.reference_get(membership, reference_id)
        data = self.ReferenceUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shot_reference_update(reference=reference, actor=request.user, **data.validated_data)
        return _reference_response(membership, reference.pk)

    @extend_schema(operation_id="references_remove", responses=no_content())
    def delete(self, request, slug, reference_id):
        membership = require(membership_for(request.user, slug), PLAN)
        reference = selectors.reference_get(membership, reference_id)
        shot_reference_remove(reference=reference, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- takes --------------------------------------------------------------------------------

MEDIA = (("video", "video", "video.mp4", "video/mp4"),
         ("poster", "poster", "poster.jpg", "image/jpeg"),
         ("filmstrip", "filmstrip", "filmstrip.jpg", "image/jpeg"),
         ("last_frame", "last", "last.png", "image/png"))


class TakeMediaSerializer(serializers.Serializer):
    video = serializers.URLField(allow_null=True)
    poster = serializers.URLField(allow_null=True)
    filmstrip = serializers.URLField(allow_null=True)
    last_frame = serializers.URLField(allow_null=True)


class TakeSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    scene = serializers.IntegerField(source="shot.scene_id")
    scene_code = serializers.CharField(source="shot.scene.code")
    shot = serializers.IntegerField(source="shot_id")
    shot_code = serializers.CharField(source="shot.code")
    number = serializers.IntegerField()
    label = serializers.CharField()
    profile_id = serializers.CharField()
    status = serializers.ChoiceField(TakeStatus.choices)
    progress = serializers.FloatField()
    review_state = serializers.ChoiceField(ReviewState.choices)
    review_version = serializers.IntegerField(
        help_text="Send it back as `expected_version` when deciding.")
    seed = serializers.SerializerMethodField()
    frames = serializers.SerializerMethodField()
    fps = serializers.SerializerMethodField()
    width = serializers.SerializerMethodField()
    height = serializers.SerializerMethodField()
    duration_s = serializers.SerializerMethodField()
    error = serializers.CharField()
    gpu_seconds = serializers.FloatField()
    queued_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    media = serializers.SerializerMethodField()

    def _spec(self, take) -> dict:
        spec = (take.request or {}).get("spec") if isinstance(take.request, dict) else None
        return spec if isinstance(spec, dict) else {}

    def _slug(self, take) -> str:
        return self.context.get("slug") or take.shot.scene.project.slug

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, take) -> str:
        return self.context["request"].build_absolute_uri(reverse(
            "api-take-detail", kwargs={"slug": self._slug(take), "take_uuid": take.uuid}))

    def get_seed(self, take) -> int | None:
        return self._spec(take).get("seed")

    def get_frames(self, take) -> int | None:
        return self._spec(take).get("num_frames")

    def get_fps(self, take) -> int | None:
        return self._spec(take).get("fps")

    def get_width(self, take) -> int | None:
        return self._spec(take).get("width")

    def get_height(self, take) -> int | None:
        return self._spec(take).get("height")

    def get_duration_s(self, take) -> float | None:
        spec = self._spec(take)
        if spec.get("num_frames") and spec.get("fps"):
            return round(spec["num_frames"] / spec["fps"], 3)
        return None

    @extend_schema_field(TakeMediaSerializer)
    def get_media(self, take) -> dict:
        build = self.context["request"].build_absolute_uri
        kwargs = {"slug": self._slug(take), "take_uuid": take.uuid}
        return {field: build(reverse(f"api-take-{name}", kwargs=kwargs))
                if getattr(take, field) else None for field, name, _, _ in MEDIA}


class TakeDetailSerializer(TakeSerializer):
    requested_by = serializers.CharField(source="requested_by.username", allow_null=True,
                                         default=None)
    attempts = serializers.IntegerField()
    cancel_requested = serializers.BooleanField()
    recipe = serializers.SerializerMethodField(help_text="The frozen request spec: model, "
                                               "prompt, seed, steps, sizes, references.")
    aspect_ratio = serializers.SerializerMethodField()
    estimated_gpu_seconds = serializers.SerializerMethodField()
    qc = serializers.DictField()
    qc_flags = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_recipe(self, take) -> dict:
        return self._spec(take)

    def get_aspect_ratio(self, take) -> str | None:
        return (take.request or {}).get("aspect_ratio") if isinstance(take.request, dict) \
            else None

    def get_estimated_gpu_seconds(self, take) -> float | None:
        value = (take.request or {}).get("estimated_gpu_seconds") \
            if isinstance(take.request, dict) else None
        return float(value) if value is not None else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_qc_flags(self, take) -> list:
        return qc_flags(take.qc or {})


# The take list serializes plain rows, not model instances through TakeSerializer: a page of
# 200 takes would otherwise build 800 model instances and reverse 1,000 URLs. The output is
# TakeSerializer's, field for field (TakeSerializer stays the schema and the detail's base;
# tests/api/test_takes.py compares the two).
TAKE_ROW_FIELDS = ("uuid", "shot__scene_id", "shot__scene__code", "shot_id", "shot__code",
                   "number", "profile_id", "status", "progress", "review_state",
                   "review_version", "error", "gpu_seconds", "queued_at", "started_at",
                   "finished_at", "video", "poster", "filmstrip", "last_frame")
_URL_SENTINEL = "00000000-0000-0000-0000-000000000000"


def _take_url_parts(request, slug: str) -> list[tuple[str, str, str | None]]:
    """(head, tail, media field) of each take URL, reversed once per request: a take's URL is
    head + uuid + tail. The detail URL comes first (media field None)."""
    parts = []
    for name, field in (("detail", None), *((name, field) for field, name, _, _ in MEDIA)):
        url = request.build_absolute_uri(reverse(
            f"api-take-{name}", kwargs={"slug": slug, "take_uuid": _URL_SENTINEL}))
        head, tail = url.split(_URL_SENTINEL)
        parts.append((head, tail, field))
    return parts


def _optional(convert, value):
    return None if value is None else convert(value)


def take_list_rows(request, slug: str, rows) -> list[dict]:
    """TakeSerializer's representation of `.values(*TAKE_ROW_FIELDS, spec=…)` rows (`spec`:
    the request's `spec` key, read by the database, not the whole request)."""
    (detail_head, detail_tail, _), *media = _take_url_parts(request, slug)
    # DRF's own DateTimeField, with the current time zone looked up once, not per value.
    datetime = serializers.DateTimeField(
        default_timezone=timezone.get_current_timezone()).to_representation
    out = []
    for row in rows:
        uuid = str(row["uuid"])
        spec = row["spec"] if isinstance(row["spec"], dict) else {}
        frames, fps = spec.get("num_frames"), spec.get("fps")
        out.append({
            "uuid": uuid,
            "url": f"{detail_head}{uuid}{detail_tail}",
            "scene": row["shot__scene_id"],
            "scene_code": row["shot__scene__code"],
            "shot": row["shot_id"],
            "shot_code": row["shot__code"],
            "number": row["number"],
            "label": f"v{row['number']:03d}",  # Take.label
            "profile_id": row["profile_id"],
            "status": row["status"],
            "progress": _optional(float, row["progress"]),
            "review_state": row["review_state"],
            "review_version": row["review_version"],
            "seed": spec.get("seed"),
            "frames": frames,
            "fps": fps,
            "width": spec.get("width"),
            "height": spec.get("height"),
            "duration_s": round(frames / fps, 3) if frames and fps else None,
            "error": _optional(str, row["error"]),
            "gpu_seconds": _optional(float, row["gpu_seconds"]),
            "queued_at": _optional(datetime, row["queued_at"]),
            "started_at": _optional(datetime, row["started_at"]),
            "finished_at": _optional(datetime, row["finished_at"]),
            "media": {field: f"{head}{uuid}{tail}" if row[field] else None
                      for head, tail, field in media},
        })
    return out


def _takes(membership):
    return (Take.objects.filter(shot__scene__project=membership.project)
            .select_related("shot__scene", "requested_by")
            .order_by("shot__scene__order", "shot__scene__code", "shot__order", "shot__code",
                      "number", "pk"))


def _take_context(request, membership) -> dict:
    return {"request": request, "slug": membership.project.slug}


TAKE_FILTERS = [
    OpenApiParameter("scene", OpenApiTypes.INT, required=False, description="Scene id."),
    OpenApiParameter("shot", OpenApiTypes.INT, required=False, description="Shot id."),
    OpenApiParameter("review_state", OpenApiTypes.STR, required=False,
                     enum=ReviewState.values),
    OpenApiParameter("status", OpenApiTypes.STR, required=False, enum=TakeStatus.values),
]


class TakeListApi(APIView):
    """The project's takes in board order (scene, shot, number), filtered."""

    class FilterSerializer(serializers.Serializer):
        scene = serializers.IntegerField(required=False, min_value=1, max_value=INT_MAX)
        shot = serializers.IntegerField(required=False, min_value=1, max_value=INT_MAX)
        review_state = serializers.ChoiceField(ReviewState.choices, required=False)
        status = serializers.ChoiceField(TakeStatus.choices, required=False)

    serializer_class = TakeSerializer

    @extend_schema(operation_id="takes_list", parameters=[*TAKE_FILTERS, *PAGE_PARAMETERS],
                   responses={200: page_of(TakeSerializer, "TakePage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        takes = _takes(membership)
        lookups = {"scene": "shot__scene_id", "shot": "shot_id",
                   "review_state": "review_state", "status": "status"}
        for name, value in filters.validated_data.items():
            takes = takes.filter(**{lookups[name]: value})
        page = KeyPage()
        keys = page.paginate_keys(takes, request, view=self)
        rows = in_key_order(keys, Take.objects.filter(pk__in=keys).values(
            "pk", *TAKE_ROW_FIELDS, spec=KeyTransform("spec", "request"))) if keys else []
        return page.get_paginated_response(
            take_list_rows(request, membership.project.slug, rows))


class TakeRequestApi(APIView):
    """Request takes of a shot: the shot's plan and references frozen into queued takes."""

    class TakeRequestSerializer(serializers.Serializer):
        profile = serializers.CharField(max_length=64, help_text="A model profile id, e.g. "
                                        "previz.")
        variations = serializers.IntegerField(min_value=1, max_value=services.MAX_VARIATIONS,
                                              required=False, default=1)
        seed = serializers.IntegerField(min_value=0, max_value=services.SEED_LIMIT,
                                        required=False, allow_null=True, default=None)

    serializer_class = TakeSerializer

    @extend_schema(operation_id="takes_request", request=TakeRequestSerializer,
                   responses={201: TakeSerializer(many=True), **errors()})
    def post(self, request, slug, shot_id):
        membership = require(membership_for(request.user, slug), GENERATE)
        shot = selectors.shot_get(membership, shot_id)
        data = self.TakeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        takes = services.take_request(shot=shot, user=request.user, profile_id=values["profile"],
                                      variations=values["variations"], seed=values["seed"])
        rows = _takes(membership).filter(pk__in=[t.pk for t in takes])
        return Response(TakeSerializer(rows, many=True,
                                       context=_take_context(request, membership)).data,
                        status=status.HTTP_201_CREATED)


def _take_detail(request, membership, take, *, status=200) -> Response:
    """The take as `TakeDetailSerializer` shows it, read again after a change."""
    row = _takes(membership).get(pk=take.pk)
    return Response(TakeDetailSerializer(row, context=_take_context(request, membership)).data,
                    status=status)


class TakeDetailApi(APIView):
    """One take with its recipe (the frozen request), QC and media URLs."""

    serializer_class = TakeDetailSerializer

    @extend_schema(operation_id="takes_retrieve", responses={200: TakeDetailSerializer,
                                                             **errors()})
    def get(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), VIEW)
        take = selectors.take_get(membership, take_uuid)
        return _take_detail(request, membership, take)


class TakeCancelApi(APIView):
    """Cancel a queued take at once, or ask a running one to stop at its next step."""

    serializer_class = TakeDetailSerializer

    @extend_schema(operation_id="takes_cancel", request=None,
                   responses={200: TakeDetailSerializer, **errors(409)})
    def post(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), GENERATE)
        take = selectors.take_get(membership, take_uuid)
        services.take_cancel(take=take, user=request.user)
        return _take_detail(request, membership, take)


class TakeAgainApi(APIView):
    """Queue the take's frozen request again, with the same seed (reproduce) or a new one."""

    class TakeAgainSerializer(serializers.Serializer):
        seed = serializers.ChoiceField([("same", "Same seed"), ("new", "New seed")],
                                       required=False, default="same")

    serializer_class = TakeDetailSerializer

    @extend_schema(operation_id="takes_again", request=TakeAgainSerializer,
                   responses={201: TakeDetailSerializer, **errors()})
    def post(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), GENERATE)
        take = selectors.take_get(membership, take_uuid)
        data = self.TakeAgainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        again = services.take_again(take=take, user=request.user,
                                    same_seed=data.validated_data["seed"] == "same")
        return _take_detail(request, membership, again, status=status.HTTP_201_CREATED)


class AnyAccept(DefaultContentNegotiation):
    """A media download answers whatever the client accepts; errors still come as JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class TakeMediaApi(APIView):
    """A take's media file, through the same checks and storage response as the pages."""

    content_negotiation_class = AnyAccept
    field = name = content_type = ""

    def get(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), VIEW)
        take = selectors.take_get(membership, take_uuid)
        return storage_response(getattr(take, self.field).name, request=request._request)


def _media_view(field: str, name: str, content_type: str):
    binary = OpenApiResponse(OpenApiTypes.BINARY, description="The file (byte ranges "
                             "supported), or a redirect to a signed URL when media live on S3.")

    @extend_schema(
        operation_id=f"takes_{field}",
        responses={(200, content_type): binary, (206, content_type): binary,
                   302: OpenApiResponse(description="Signed storage URL."),
                   **errors(416)},
    )
    def get(self, request, slug, take_uuid):
        return TakeMediaApi.get(self, request, slug, take_uuid)

    return type(f"Take{name.title()}MediaApi", (TakeMediaApi,), {
        "field": field, "name": name, "content_type": content_type, "get": get,
        "__doc__": f"The take's {field.replace('_', ' ')}."})


# --- decisions ------------------------------------------------------------------------------

class DecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_state = serializers.ChoiceField(ReviewState.choices)
    to_state = serializers.ChoiceField(ReviewState.choices)
    reason = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    dailies_session = serializers.IntegerField(source="dailies_session_id", allow_null=True)
    checklist = serializers.SerializerMethodField()
    at = serializers.DateTimeField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_checklist(self, decision) -> list:
        return decision.checklist or []


class DecisionListApi(APIView):
    """The take's review history, oldest first; or a decision (optimistic concurrency)."""

    class DecisionCreateSerializer(serializers.Serializer):
        state = serializers.ChoiceField([(s, s) for s in services.DECISION_STATES])
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                       default="")
        expected_version = serializers.IntegerField(
            min_value=0, max_value=INT_MAX,
            help_text="The take's `review_version` you decided on; 409 if it moved since.")
        checklist = serializers.ListField(
            child=serializers.DictField(), required=False,
            help_text="The review standard lines: [{line, checked}].")

    serializer_class = DecisionSerializer

    @extend_schema(operation_id="decisions_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(DecisionSerializer, "DecisionPage"), **errors()})
    def get(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), VIEW)
        take = selectors.take_get(membership, take_uuid)
        rows = TakeDecision.objects.filter(take=take).select_related("actor").order_by("at",
                                                                                     "id")
        return paginated(request, rows, DecisionSerializer, view=self)

    @extend_schema(operation_id="decisions_create", request=DecisionCreateSerializer,
                   responses={201: TakeDetailSerializer, **errors(409)})
    def post(self, request, slug, take_uuid):
        # DECIDE first (every role that may approve may decide); take_decide then checks
        # APPROVE for an approval.
        membership = require(membership_for(request.user, slug), DECIDE)
        take = selectors.take_get(membership, take_uuid)
        data = self.DecisionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            services.take_decide(take=take, membership=membership, state=values["state"],
                                 reason=values["reason"],
                                 expected_version=values["expected_version"],
                                 checklist=values.get("checklist"))
        except services.DecisionStale as error:
            now = Take.objects.get(pk=take.pk)
            error.api_extra = {"current": {"review_state": now.review_state,
                                           "review_version": now.review_version}}
            raise
        return _take_detail(request, membership, take, status=status.HTTP_201_CREATED)


# --- notes ----------------------------------------------------------------------------------

class NoteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    author = serializers.CharField(source="author.username", allow_null=True, default=None)
    author_name = serializers.CharField()
    body = serializers.CharField()
    frame_in = serializers.IntegerField(allow_null=True)
    frame_out = serializers.IntegerField(allow_null=True)
    annotation = serializers.DictField(help_text="Strokes keyed by frame: {\"12\": [{tool, "
                                       "color, width, points}]}, points on a 0–1 plane.")
    mentions = serializers.ListField(child=serializers.CharField())
    resolved = serializers.BooleanField()
    for_client = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class NoteListApi(APIView):
    """The take's notes and replies, oldest first; or a note (a frame, a range, drawings)."""

    class NoteAddSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=20000)
        frame_in = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                            max_value=INT_MAX)
        frame_out = serializers.IntegerField(required=False, allow_null=True, min_value=0,
                                             max_value=INT_MAX)
        annotation = serializers.DictField(required=False, allow_null=True)
        parent = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                          max_value=INT_MAX, help_text="Reply to this note.")
        for_client = serializers.BooleanField(required=False, default=False)

    serializer_class = NoteSerializer

    @extend_schema(operation_id="notes_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(NoteSerializer, "NotePage"), **errors()})
    def get(self, request, slug, take_uuid):
        membership = require(membership_for(request.user, slug), VIEW)
        take = selectors.take_get(membership, take_uuid)
        rows = Note.objects.filter(take=take).select_related("author").order_by("created_at",
                                                                                "id")
        return paginated(request, rows, NoteSerializer, view=self)

    @extend_schema(operation_id="notes_create", request=NoteAddSerializer,
                   responses={201: NoteSerializer, **errors()})
    def post(self, request, slug, take_uuid):
        from takes.notes import note_add

        membership = require(membership_for(request.user, slug), COMMENT)
        take = selectors.take_get(membership, take_uuid)
        data = self.NoteAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        parent = None
        if values.pop("parent", None):
            parent = Note.objects.filter(pk=data.validated_data["parent"], take=take).first()
            if parent is None:
                raise serializers.ValidationError({"parent": ["No such note on this take."]})
        note = note_add(take=take, membership=membership, parent=parent,
                        base_url=request.build_absolute_uri("/"), **values)
        row = Note.objects.select_related("author").get(pk=note.pk)
        return Response(NoteSerializer(row).data, status=status.HTTP_201_CREATED)


class NoteResolveApi(APIView):
    """Resolve (or reopen, with `resolved: false`) a note: its author or a decider."""

    class NoteResolveSerializer(serializers.Serializer):
        resolved = serializers.BooleanField(required=False, default=True)

    serializer_class = NoteSerializer

    @extend_schema(operation_id="notes_resolve", request=NoteResolveSerializer,
                   responses={200: NoteSerializer, **errors()})
    def post(self, request, slug, note_id):
        from takes.notes import note_resolve
        from takes.review import note_get

        membership = require(membership_for(request.user, slug), COMMENT)
        note = note_get(membership, note_id)
        data = self.NoteResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note_resolve(note=note, membership=membership,
                     resolved=data.validated_data["resolved"])
        row = Note.objects.select_related("author").get(pk=note.pk)
        return Response(NoteSerializer(row).data)


# --- usage ----------------------------------------------------------------------------------

class UsageSerializer(serializers.Serializer):
    spent = serializers.FloatField(help_text="GPU-seconds used by finished takes.")
    reserved = serializers.FloatField(help_text="GPU-seconds estimated for queued and "
                                      "running takes.")
    budget = serializers.IntegerField(allow_null=True, help_text="GPU-seconds; null: none.")
    left = serializers.FloatField(allow_null=True)


class UsageApi(APIView):
    """GPU-seconds used and reserved against the project's budget."""

    serializer_class = UsageSerializer

    @extend_schema(operation_id="usage_retrieve", responses={200: UsageSerializer, **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        return Response(UsageSerializer(selectors.gpu_usage(membership)).data)


urlpatterns = [
    path("projects/<slug:slug>/usage/", UsageApi.as_view(), name="api-usage"),
    path("projects/<slug:slug>/shots/<int:shot_id>/references/", ReferenceListApi.as_view(),
         name="api-reference-list"),
    path("projects/<slug:slug>/references/<int:reference_id>/", ReferenceDetailApi.as_view(),
         name="api-reference-detail"),
    path("projects/<slug:slug>/shots/<int:shot_id>/takes/", TakeRequestApi.as_view(),
         name="api-take-request"),
    path("projects/<slug:slug>/takes/", TakeListApi.as_view(), name="api-take-list"),
    path("projects/<slug:slug>/takes/<uuid:take_uuid>/", TakeDetailApi.as_view(),
         name="api-take-detail"),
    path("projects/<slug:slug>/takes/<uuid:take_uuid>/cancel/", TakeCancelApi.as_view(),
         name="api-take-cancel"),
    path("projects/<slug:slug>/takes/<uuid:take_uuid>/again/", TakeAgainApi.as_view(),
         name="api-take-again"),
    path("projects/<slug:slug>/takes/<uuid:take_uuid>/decisions/", DecisionListApi.as_view(),
         name="api-decision-list"),
    path("projects/<slug:slug>/takes/<uuid:take_uuid>/notes/", NoteListApi.as_view(),
         name="api-note-list"),
    path("projects/<slug:slug>/notes/<int:note_id>/resolve/", NoteResolveApi.as_view(),
         name="api-note-resolve"),
    *[path(f"projects/<slug:slug>/takes/<uuid:take_uuid>/{filename}",
           _media_view(field, name, content_type).as_view(), name=f"api-take-{name}")
      for field, name, filename, content_type in MEDIA],
]
