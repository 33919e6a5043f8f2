"""API v1 for projects, members and invites: one APIView per operation, behind the gate.

Every view starts from `membership_for` (404 for strangers) and `require` (403 for a role
without the capability) before it reads the body, and writes only through projects.services.
"""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from lotix.pagination import PAGE_PARAMETERS, errors, no_content, page_of, paginated
from projects import selectors, services
from projects.models import AspectRatio, Resolution, Role
from projects.roles import INVITE, MEMBERS, VIEW


class ProjectSerializer(serializers.Serializer):
    slug = serializers.CharField(source="project.slug")
    name = serializers.CharField(source="project.name")
    description = serializers.CharField(source="project.description")
    role = serializers.CharField()
    default_aspect_ratio = serializers.CharField(source="project.default_aspect_ratio")
    default_fps = serializers.IntegerField(source="project.default_fps")
    default_resolution = serializers.CharField(source="project.default_resolution")
    model_profile = serializers.CharField(source="project.model_profile")
    budget_gpu_seconds = serializers.IntegerField(source="project.budget_gpu_seconds",
                                                  allow_null=True)
    scene_count = serializers.IntegerField()
    shot_count = serializers.IntegerField()


class ProjectListApi(APIView):
    """The projects the caller is a member of, with their role; or a new project."""

    class ProjectCreateSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(required=False, allow_blank=True, default="",
                                            max_length=4000)
        default_aspect_ratio = serializers.ChoiceField(AspectRatio.choices, required=False,
                                                       default=AspectRatio.WIDE)
        default_fps = serializers.IntegerField(min_value=1, max_value=120, required=False,
                                               default=24)
        default_resolution = serializers.ChoiceField(Resolution.choices, required=False,
                                                     default=Resolution.HD)

    OutputSerializer = ProjectSerializer
    serializer_class = ProjectSerializer

    @extend_schema(operation_id="projects_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(ProjectSerializer, "ProjectPage"), **errors()})
    def get(self, request):
        memberships = selectors.projects_for_user(request.user)
        return paginated(request, memberships, ProjectSerializer, view=self)

    @extend_schema(operation_id="projects_create", request=ProjectCreateSerializer,
                   responses={201: ProjectSerializer, **errors()})
    def post(self, request):
        data = self.ProjectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = services.project_create(user=request.user, **data.validated_data)
        membership = selectors.projects_for_user(request.user).get(project=project)
        return Response(ProjectSerializer(membership).data, status=status.HTTP_201_CREATED)


class ProjectDetailApi(APIView):
    """One project the caller is a member of; 404 otherwise."""

    serializer_class = ProjectSerializer

    @extend_schema(operation_id="projects_retrieve", responses={200: ProjectSerializer,
                                                                **errors()})
    def get(self, request, slug):
        membership = selectors.require(selectors.membership_for(request.user, slug), VIEW)
        memberships = selectors.projects_for_user(request.user).filter(pk=membership.pk)
        return Response(ProjectSerializer(memberships.get()).data)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(source="user.username")
    name = serializers.SerializerMethodField()
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(Role.choices)
    joined_at = serializers.DateTimeField(source="created_at")

    def get_name(self, membership) -> str:
        return membership.user.get_full_name()


class MemberListApi(APIView):
    """The project's members, owners first."""

    serializer_class = MemberSerializer

    @extend_schema(operation_id="members_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(MemberSerializer, "MemberPage"), **errors()})
    def get(self, request, slug):
        membership = selectors.require(selectors.membership_for(request.user, slug), VIEW)
        rank = {role: n for n, role in enumerate(services.ROLE_ORDER)}
        members = sorted(selectors.members_of_project(membership),
                         key=lambda m: (rank[m.role], m.user.get_username().lower(), m.pk))
        return paginated(request, members, MemberSerializer, view=self)


class MemberDetailApi(APIView):
    """Change a member's role (owners) or remove a member (owners, producers below director)."""

    class RoleSerializer(serializers.Serializer):
        role = serializers.ChoiceField(Role.choices)

    serializer_class = MemberSerializer

    @extend_schema(operation_id="members_role_update", request=RoleSerializer,
                   responses={200: MemberSerializer, **errors(409)})
    def patch(self, request, slug, membership_id):
        membership = selectors.require(selectors.membership_for(request.user, slug), MEMBERS)
        if not membership.project.memberships.filter(pk=membership_id).exists():
            raise Http404("No such member.")
        data = self.RoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = services.member_change_role(actor_membership=membership,
                                             membership_id=membership_id,
                                             role=data.validated_data["role"])
        return Response(MemberSerializer(member).data)

    @extend_schema(operation_id="members_remove", responses=no_content(409))
    def delete(self, request, slug, membership_id):
        membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
        services.member_remove(actor_membership=membership, membership_id=membership_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(Role.choices)
    invited_by = serializers.CharField(source="invited_by.username", allow_null=True,
                                       default=None)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    expired = serializers.SerializerMethodField()

    def get_expired(self, invite) -> bool:
        from django.utils import timezone

        return invite.expires_at <= timezone.now()


class InviteListApi(APIView):
    """Pending invites (expired ones included); an invite e-mails a single-use link."""

    class InviteCreateSerializer(serializers.Serializer):
        email = serializers.CharField(max_length=254)
        role = serializers.ChoiceField(Role.choices)

    serializer_class = InviteSerializer

    @extend_schema(operation_id="invites_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(InviteSerializer, "InvitePage"), **errors()})
    def get(self, request, slug):
        membership = selectors.require(selectors.membership_for(request.user, slug), VIEW)
        return paginated(request, selectors.invites_pending(membership), InviteSerializer,
                         view=self)

    @extend_schema(operation_id="invites_create", request=InviteCreateSerializer,
                   responses={201: InviteSerializer, **errors(409)})
    def post(self, request, slug):
        membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
        data = self.InviteCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invite, _token = services.invite_create(
            project=membership.project, actor_membership=membership,
            email=data.validated_data["email"], role=data.validated_data["role"],
            base_url=request.build_absolute_uri("/"),
        )
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class InviteDetailApi(APIView):
    """Revoke a pending invite so its link stops working."""

    serializer_class = InviteSerializer

    @extend_schema(operation_id="invites_revoke", responses=no_content(409))
    def delete(self, request, slug, invite_id):
        membership = selectors.require(selectors.membership_for(request.user, slug), INVITE)
        services.invite_revoke(actor_membership=membership, invite_id=invite_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("projects/", ProjectListApi.as_view(), name="api-project-list"),
    path("projects/<slug:slug>/", ProjectDetailApi.as_view(), name="api-project-detail"),
    path("projects/<slug:slug>/members/", MemberListApi.as_view(), name="api-member-list"),
    path("projects/<slug:slug>/members/<int:membership_id>/", MemberDetailApi.as_view(),
         name="api-member-detail"),
    path("projects/<slug:slug>/invites/", InviteListApi.as_view(), name="api-invite-list"),
    path("projects/<slug:slug>/invites/<int:invite_id>/", InviteDetailApi.as_view(),
         name="api-invite-detail"),
]
