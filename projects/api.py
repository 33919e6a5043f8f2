"""API v1 for projects: one APIView per operation, each behind the permission gate."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from projects import selectors


class ProjectListApi(APIView):
    """The projects the caller is a member of, with their role."""

    class OutputSerializer(serializers.Serializer):
        slug = serializers.CharField(source="project.slug")
        name = serializers.CharField(source="project.name")
        role = serializers.CharField()
        default_aspect_ratio = serializers.CharField(source="project.default_aspect_ratio")
        default_fps = serializers.IntegerField(source="project.default_fps")
        default_resolution = serializers.CharField(source="project.default_resolution")
        scene_count = serializers.IntegerField()
        shot_count = serializers.IntegerField()

    serializer_class = OutputSerializer

    @extend_schema(operation_id="projects_list")
    def get(self, request):
        memberships = selectors.projects_for_user(request.user)
        return Response({"results": self.OutputSerializer(memberships, many=True).data})


class ProjectDetailApi(APIView):
    """One project the caller is a member of; 404 otherwise."""

    serializer_class = ProjectListApi.OutputSerializer

    @extend_schema(operation_id="projects_retrieve")
    def get(self, request, slug):
        membership = selectors.membership_for(request.user, slug)
        memberships = selectors.projects_for_user(request.user).filter(pk=membership.pk)
        return Response(ProjectListApi.OutputSerializer(memberships.get()).data)


urlpatterns = [
    path("projects/", ProjectListApi.as_view(), name="api-project-list"),
    path("projects/<slug:slug>/", ProjectDetailApi.as_view(), name="api-project-detail"),
]
