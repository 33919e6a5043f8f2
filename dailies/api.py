"""API v1 for dailies sessions: list, create, detail, close, and the session's takes.

Every write goes through dailies.services (dailies_create, dailies_close, dailies_entry_add,
dailies_entry_remove) after the same gate as the dailies pages.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from dailies import selectors, services
from dailies.models import DailiesEntry, DailiesSession, DailiesStatus
from lotix.pagination import PAGE_PARAMETERS, errors, page_of, paginated
from projects.roles import DAILIES, VIEW
from projects.selectors import membership_for, require
from takes.api import TakeSerializer


class DailiesSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    date = serializers.DateField()
    status = serializers.ChoiceField(DailiesStatus.choices)
    created_by = serializers.CharField(source="created_by.username", allow_null=True,
                                       default=None)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    take_count = serializers.IntegerField()
    approved_count = serializers.IntegerField()


class EntrySerializer(serializers.Serializer):
    position = serializers.IntegerField()
    take = TakeSerializer()


def _session_row(membership, session_id) -> DailiesSession:
    """The session with its counts, as the list shows it (404 for another project's)."""
    session = selectors.dailies_get(membership, session_id)
    return next(s for s in selectors.dailies_for_project(membership) if s.pk == session.pk)


class DailiesListApi(APIView):
    """The project's dailies sessions, newest first; or a new session from finished takes."""

    class DailiesCreateSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        takes = serializers.ListField(child=serializers.UUIDField(), required=False,
                                      max_length=500, help_text="Finished takes to show.")
        since_last = serializers.BooleanField(
            required=False, default=False,
            help_text="Every take finished since the last session was created instead.")

    serializer_class = DailiesSerializer

    @extend_schema(operation_id="dailies_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(DailiesSerializer, "DailiesPage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), VIEW)
        return paginated(request, selectors.dailies_for_project(membership), DailiesSerializer,
                         view=self)

    @extend_schema(operation_id="dailies_create", request=DailiesCreateSerializer,
                   responses={201: DailiesSerializer, **errors()})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), DAILIES)
        data = self.DailiesCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        session = services.dailies_create(membership=membership, title=values["title"],
                                          take_uuids=values.get("takes") or None,
                                          since_last=values["since_last"])
        return Response(DailiesSerializer(_session_row(membership, session.pk)).data,
                        status=status.HTTP_201_CREATED)


class DailiesDetailApi(APIView):
    """One session with its counts."""

    serializer_class = DailiesSerializer

    @extend_schema(operation_id="dailies_retrieve", responses={200: DailiesSerializer,
                                                               **errors()})
    def get(self, request, slug, session_id):
        membership = require(membership_for(request.user, slug), VIEW)
        return Response(DailiesSerializer(_session_row(membership, session_id)).data)


class DailiesCloseApi(APIView):
    """Close the session: its list and decisions become final (`dailies.closed` webhook)."""

    serializer_class = DailiesSerializer

    @extend_schema(operation_id="dailies_close", request=None,
                   responses={200: DailiesSerializer, **errors(409)})
    def post(self, request, slug, session_id):
        membership = require(membership_for(request.user, slug), DAILIES)
        session = selectors.dailies_get(membership, session_id)
        services.dailies_close(membership=membership, session=session)
        return Response(DailiesSerializer(_session_row(membership, session.pk)).data)


ENTRY_PAGE = page_of(EntrySerializer, "DailiesEntryPage")


class DailiesEntryListApi(APIView):
    """The session's takes in playing order; or add a finished take to an open session."""

    class EntryAddSerializer(serializers.Serializer):
        take = serializers.UUIDField()

    serializer_class = EntrySerializer

    @extend_schema(operation_id="dailies_entries_list", parameters=PAGE_PARAMETERS,
                   responses={200: ENTRY_PAGE, **errors()})
    def get(self, request, slug, session_id):
        membership = require(membership_for(request.user, slug), VIEW)
        session = selectors.dailies_get(membership, session_id)
        rows = (DailiesEntry.objects.filter(session=session)
                .select_related("take__shot__scene", "take__requested_by")
                .order_by("position"))
        return paginated(request, rows, EntrySerializer, view=self,
                         context={"slug": membership.project.slug})

    @extend_schema(operation_id="dailies_entries_add", request=EntryAddSerializer,
                   responses={201: ENTRY_PAGE, **errors(409)})
    def post(self, request, slug, session_id):
        membership = require(membership_for(request.user, slug), DAILIES)
        session = selectors.dailies_get(membership, session_id)
        data = self.EntryAddSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.dailies_entry_add(membership=membership, session=session,
                                   take_uuid=data.validated_data["take"])
        response = self.get(request, slug, session_id)
        response.status_code = status.HTTP_201_CREATED
        return response


class DailiesEntryDetailApi(APIView):
    """Take one take out of an open session (the last one stays: close the session)."""

    serializer_class = EntrySerializer

    @extend_schema(operation_id="dailies_entries_remove",
                   responses={204: None, **errors(409)})
    def delete(self, request, slug, session_id, take_uuid):
        membership = require(membership_for(request.user, slug), DAILIES)
        session = selectors.dailies_get(membership, session_id)
        selectors.dailies_entry_take(session, take_uuid)  # 404 when not on the list
        services.dailies_entry_remove(membership=membership, session=session,
                                      take_uuid=take_uuid)
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("projects/<slug:slug>/dailies/", DailiesListApi.as_view(), name="api-dailies-list"),
    path("projects/<slug:slug>/dailies/<int:session_id>/", DailiesDetailApi.as_view(),
         name="api-dailies-detail"),
    path("projects/<slug:slug>/dailies/<int:session_id>/close/", DailiesCloseApi.as_view(),
         name="api-dailies-close"),
    path("projects/<slug:slug>/dailies/<int:session_id>/entries/",
         DailiesEntryListApi.as_view(), name="api-dailies-entry-list"),
    path("projects/<slug:slug>/dailies/<int:session_id>/entries/<uuid:take_uuid>/",
         DailiesEntryDetailApi.as_view(), name="api-dailies-entry-detail"),
]
