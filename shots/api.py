"""API v1 for scenes and shots (with the shot plan): one APIView per operation, behind the gate.

Writes go through shots.services exactly as the planner pages do (scene_add, scene_rename,
shot_add, shot_plan_update), after `require(membership, PLAN)`.
"""

from django.db.models import Count
from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lotix.pagination import PAGE_PARAMETERS, errors, page_of, paginated
from projects.models import AspectRatio, Resolution
from projects.roles import PLAN, VIEW
from projects.selectors import membership_for, require
from shots import selectors, services
from shots.models import CameraMovement, Scene, Shot, ShotStatus


def _scene_get(membership, scene_id) -> Scene:
    try:
        return selectors.scene_get(membership, scene_id)
    except Http404:
        raise Http404("No such scene.") from None


def _shot_get(membership, shot_id) -> Shot:
    try:
        return selectors.shot_get_for_plan(membership, shot_id)
    except Http404:
        raise Http404("No such shot.") from None


class SceneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = serializers.CharField()
    synopsis = serializers.CharField()
    order = serializers.IntegerField()
    shot_count = serializers.IntegerField(default=0)


def _scenes(membership):
    return (Scene.objects.filter(project=membership.project)
            .annotate(shot_count=Count("shots")).order_by("order", "code", "pk"))


class SceneListApi(APIView):
    """The project's scenes in order; or a new scene at the end (a blank code is suggested)."""

    class SceneCreateSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=12, required=False, allow_blank=True,
                                     default="", help_text="SC010; blank for the next free one.")
        title = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                      default="")

    serializer_class = SceneSerializer

    @extend_schema(operation_id="scenes_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(SceneSerializer, "ScenePage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        return paginated(request, _scenes(membership), SceneSerializer, view=self)

    @extend_schema(operation_id="scenes_create", request=SceneCreateSerializer,
                   responses={201: SceneSerializer, **errors(409)})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), PLAN)
        data = self.SceneCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scene = services.scene_add(project=membership.project, actor=request.user,
                                   **data.validated_data)
        return Response(SceneSerializer(_scenes(membership).get(pk=scene.pk)).data,
                        status=status.HTTP_201_CREATED)


class SceneDetailApi(APIView):
    """One scene; rename it (code and/or title)."""

    class SceneRenameSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=12, required=False)
        title = serializers.CharField(max_length=200, required=False, allow_blank=True)

    serializer_class = SceneSerializer

    @extend_schema(operation_id="scenes_retrieve", responses={200: SceneSerializer, **errors()})
    def get(self, request, slug, scene_id):
        membership = require(membership_for(request.user, slug), VIEW)
        scene = _scene_get(membership, scene_id)
        return Response(SceneSerializer(_scenes(membership).get(pk=scene.pk)).data)

    @extend_schema(operation_id="scenes_rename", request=SceneRenameSerializer,
                   responses={200: SceneSerializer, **errors(409)})
    def patch(self, request, slug, scene_id):
        membership = require(membership_for(request.user, slug), PLAN)
        scene = _scene_get(membership, scene_id)
        data = self.SceneRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.scene_rename(scene=scene, actor=request.user,
                              code=data.validated_data.get("code", scene.code),
                              title=data.validated_data.get("title", scene.title))
        return Response(SceneSerializer(_scenes(membership).get(pk=scene.pk)).data)


class ShotPlanSerializer(serializers.Serializer):
    """The shot plan; on update only the fields sent change, each checked by the service."""

    job = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    subject_action = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    camera_movement = serializers.ChoiceField(CameraMovement.choices, required=False)
    framing = serializers.CharField(required=False, allow_blank=True, max_length=200)
    lighting = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    duration_s = serializers.DecimalField(max_digits=4, decimal_places=2, required=False,
                                          min_value=0, max_value=60, coerce_to_string=False)
    aspect_ratio = serializers.ChoiceField(AspectRatio.choices, required=False,
                                           allow_blank=True)
    resolution = serializers.ChoiceField(Resolution.choices, required=False,
                                         allow_blank=True)
    fps = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=120)
    negative_constraints = serializers.CharField(required=False, allow_blank=True,
                                                 max_length=4000)
    review_standard = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                            help_text="Rejection criteria, one per line.")
    motion_prompt = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class EffectiveFormatSerializer(serializers.Serializer):
    """The format a take of the shot gets: the shot's own, or the project's default."""

    aspect_ratio = serializers.CharField()
    resolution = serializers.CharField()
    fps = serializers.IntegerField()


class ShotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scene = serializers.IntegerField(source="scene_id")
    scene_code = serializers.CharField(source="scene.code")
    code = serializers.CharField()
    order = serializers.IntegerField()
    status = serializers.ChoiceField(ShotStatus.choices)
    plan = serializers.SerializerMethodField()
    effective = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(ShotPlanSerializer)
    def get_plan(self, shot) -> dict:
        return ShotPlanSerializer(shot).data

    @extend_schema_field(EffectiveFormatSerializer)
    def get_effective(self, shot) -> dict:
        return {"aspect_ratio": shot.effective_aspect_ratio(),
                "resolution": shot.effective_resolution(), "fps": shot.effective_fps()}


def _shots(membership):
    return (Shot.objects.filter(scene__project=membership.project)
            .select_related("scene__project")
            .order_by("scene__order", "scene__code", "order", "code", "pk"))


SCENE_FILTER = OpenApiParameter("scene", OpenApiTypes.INT, required=False,
                                description="Only the shots of this scene (id).")


class ShotListApi(APIView):
    """The project's shots in board order with their plans; or a new shot in a scene."""

    class FilterSerializer(serializers.Serializer):
        scene = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    class ShotCreateSerializer(ShotPlanSerializer):
        scene = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
        code = serializers.CharField(max_length=12, required=False, allow_blank=True,
                                     default="", help_text="SH010; blank for the next free one.")
        after = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         max_value=2**31 - 1,
                                         help_text="Place the shot right after this shot (id).")

    serializer_class = ShotSerializer

    @extend_schema(operation_id="shots_list", parameters=[SCENE_FILTER, *PAGE_PARAMETERS],
                   responses={200: page_of(ShotSerializer, "ShotPage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        shots = _shots(membership)
        if "scene" in filters.validated_data:
            shots = shots.filter(scene_id=filters.validated_data["scene"])
        return paginated(request, shots, ShotSerializer, view=self)

    @extend_schema(operation_id="shots_create", request=ShotCreateSerializer,
                   responses={201: ShotSerializer, **errors(409)})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), PLAN)
        data = self.ShotCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = dict(data.validated_data)
        scene = _scene_get(membership, plan.pop("scene"))
        after_id = plan.pop("after", None)
        after = _shot_get(membership, after_id) if after_id else None
        shot = services.shot_add(scene=scene, actor=request.user, code=plan.pop("code"),
                                 after=after, **plan)
        return Response(ShotSerializer(_shots(membership).get(pk=shot.pk)).data,
                        status=status.HTTP_201_CREATED)


class ShotDetailApi(APIView):
    """One shot with its plan; change the plan (only the fields sent)."""

    serializer_class = ShotSerializer

    @extend_schema(operation_id="shots_retrieve", responses={200: ShotSerializer, **errors()})
    def get(self, request, slug, shot_id):
        membership = require(membership_for(request.user, slug), VIEW)
        shot = _shot_get(membership, shot_id)
        return Response(ShotSerializer(shot).data)

    @extend_schema(operation_id="shots_plan_update", request=ShotPlanSerializer,
                   responses={200: ShotSerializer, **errors()})
    def patch(self, request, slug, shot_id):
        membership = require(membership_for(request.user, slug), PLAN)
        shot = _shot_get(membership, shot_id)
        data = ShotPlanSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.shot_plan_update(shot=shot, actor=request.user, **data.validated_data)
        return Response(ShotSerializer(_shots(membership).get(pk=shot.pk)).data)


urlpatterns = [
    path("projects/<slug:slug>/scenes/", SceneListApi.as_view(), name="api-scene-list"),
    path("projects/<slug:slug>/scenes/<int:scene_id>/", SceneDetailApi.as_view(),
         name="api-scene-detail"),
    path("projects/<slug:slug>/shots/", ShotListApi.as_view(), name="api-shot-list"),
    path("projects/<slug:slug>/shots/<int:shot_id>/", ShotDetailApi.as_view(),
         name="api-shot-detail"),
]
