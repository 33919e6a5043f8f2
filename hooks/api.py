"""API v1 for webhooks: list, add (the secret is shown once), delete, and the delivery log.

Writes go through hooks.services (webhook_create, webhook_delete), which check the receiver
URL exactly as the settings page does.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hooks import selectors, services
from hooks.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from lotix.pagination import PAGE_PARAMETERS, errors, no_content, page_of, paginated
from projects.roles import WEBHOOKS
from projects.selectors import membership_for, require


class WebhookSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.ChoiceField(WebhookEvent.choices))
    active = serializers.BooleanField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True,
                                       default=None)
    created_at = serializers.DateTimeField()
    secret_rotated_at = serializers.DateTimeField(allow_null=True)


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The signing secret, shown only in this answer.")


class DeliverySerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    event = serializers.CharField()
    status = serializers.ChoiceField(DeliveryStatus.choices)
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    response_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    attempt_log = serializers.ListField(child=serializers.DictField())
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class WebhookListApi(APIView):
    """The project's webhooks; or a new one (https receiver, the events it wants)."""

    class WebhookCreateSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500)
        events = serializers.ListField(child=serializers.ChoiceField(WebhookEvent.choices),
                                       min_length=1, max_length=len(WebhookEvent.values))

    serializer_class = WebhookSerializer

    @extend_schema(operation_id="webhooks_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(WebhookSerializer, "WebhookPage"), **errors()})
    def get(self, request, slug):
        membership = require(membership_for(request.user, slug), WEBHOOKS)
        return paginated(request, selectors.webhooks_for_project(membership),
                         WebhookSerializer, view=self)

    @extend_schema(operation_id="webhooks_create", request=WebhookCreateSerializer,
                   responses={201: WebhookCreatedSerializer, **errors()})
    def post(self, request, slug):
        membership = require(membership_for(request.user, slug), WEBHOOKS)
        data = self.WebhookCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        webhook, secret = services.webhook_create(membership=membership,
                                                  url=data.validated_data["url"],
                                                  events=data.validated_data["events"])
        webhook.secret = secret
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    """Delete a webhook and its delivery log."""

    serializer_class = WebhookSerializer

    @extend_schema(operation_id="webhooks_delete", responses=no_content())
    def delete(self, request, slug, webhook_uuid):
        membership = require(membership_for(request.user, slug), WEBHOOKS)
        webhook = selectors.webhook_get(membership, webhook_uuid)
        services.webhook_delete(membership=membership, webhook=webhook)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryListApi(APIView):
    """The webhook's deliveries, newest first, each with its attempts."""

    serializer_class = DeliverySerializer

    @extend_schema(operation_id="webhooks_deliveries_list", parameters=PAGE_PARAMETERS,
                   responses={200: page_of(DeliverySerializer, "DeliveryPage"), **errors()})
    def get(self, request, slug, webhook_uuid):
        membership = require(membership_for(request.user, slug), WEBHOOKS)
        webhook = selectors.webhook_get(membership, webhook_uuid)
        rows = (WebhookDelivery.objects.filter(webhook=webhook).defer("payload")
                .order_by("-created_at", "-id"))
        return paginated(request, rows, DeliverySerializer, view=self)


urlpatterns = [
    path("projects/<slug:slug>/webhooks/", WebhookListApi.as_view(), name="api-webhook-list"),
    path("projects/<slug:slug>/webhooks/<uuid:webhook_uuid>/", WebhookDetailApi.as_view(),
         name="api-webhook-detail"),
    path("projects/<slug:slug>/webhooks/<uuid:webhook_uuid>/deliveries/",
         DeliveryListApi.as_view(), name="api-webhook-deliveries"),
]
